import type { HashName } from './hash-algorithms.ts';
import type { TimestampForm, TimestampStatus } from './timestamp-decode.ts';
import type { TsaCertificate } from './tsa-certificate.ts';
import type { TsaCheckCode } from './tsa-check-codes.ts';
import type { TsaVerificationCache } from './verification-cache.ts';

/**
 * What the token must stamp: the data itself (hashed with the token's algorithm), or the imprint
 * value (RFC 3161 §2.4.1 hashedMessage), optionally pinned to an algorithm.
 */
export type ExpectedImprint =
  { readonly data: Uint8Array } | { readonly digest: Uint8Array; readonly algorithm?: HashName };

export interface VerifyTimestampOptions {
  /** The dedicated TSA trust store (DESIGN.md §5), never the TLS roots. */
  readonly trustAnchors: readonly TsaCertificate[];
  /** Extra certificates to build the chain from (a TSA leaf or intermediates the token omits). */
  readonly untrusted?: readonly TsaCertificate[];
  /** The nonce we sent; the token must echo it (RFC 3161 §2.4.2). */
  readonly nonce?: bigint;
  /** Acceptable TSA policy OIDs; empty or absent accepts any. */
  readonly policies?: readonly string[];
  /** 'auto' (default) accepts a TimeStampResp or a bare TimeStampToken. */
  readonly form?: TimestampForm;
  /**
   * When known (the client sent the request at one moment and got the reply at another), the
   * interval genTime ± accuracy must overlap this window (RFC 3161 §2.4.2 accuracy).
   */
  readonly timeWindow?: { readonly notBefore: Date; readonly notAfter: Date };
  /**
   * Shared by a bulk caller across many tokens (one per `aev verify` run, export or bundle check): it
   * remembers what tokens from the same TSAs have in common. Verdicts are the same with or without it.
   */
  readonly cache?: TsaVerificationCache;
}

/** RFC 3161 §2.4.2 Accuracy; a missing field counts as zero. */
export interface TimestampAccuracy {
  readonly seconds: number;
  readonly millis: number;
  readonly micros: number;
}

/**
 * The verdict on one time-stamp: plain data (JSON-ready) so it can cross IPC and be stored. Fields
 * are filled as far as parsing got, so an invalid verdict still says what the token claimed.
 */
export interface TimestampVerdict {
  readonly valid: boolean;
  readonly code?: TsaCheckCode;
  readonly message?: string;
  /** The TSA's PKIStatusInfo, for a TimeStampResp. */
  readonly status?: TimestampStatus;
  /** ISO 8601 UTC. */
  readonly genTime?: string;
  readonly accuracy?: TimestampAccuracy;
  readonly tsaName?: string;
  readonly signerSubject?: string;
  readonly policy?: string;
  /** Signed hexadecimal. */
  readonly serialNumber?: string;
  readonly imprintAlgorithm?: HashName;
  /** Signed hexadecimal. */
  readonly nonce?: string;
  /** PEM, signer first and trust anchor last: the chain that was validated (valid verdicts only). */
  readonly chain?: readonly string[];
}
