import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AevError } from '../../common/errors.ts';
import { digest, hashByName } from './hash-algorithms.ts';

/** A TimeStampReq (RFC 3161 §2.4.1) and what the reply must echo back. */
export interface TimestampRequest {
  readonly der: Uint8Array;
  readonly imprint: { readonly algorithm: 'SHA-256'; readonly digest: Uint8Array };
  readonly nonce: bigint;
  readonly certReq: boolean;
  readonly policy?: string;
}

export interface BuildRequestOptions {
  /** reqPolicy: ask the TSA for this policy OID. */
  readonly policy?: string;
  /** Injected randomness for the nonce (tests, deterministic engines); node:crypto by default. */
  readonly random?: (size: number) => Uint8Array;
}

/** X.690 §8.3.2: the shortest two's-complement encoding of a non-negative integer. */
function unsignedIntegerBytes(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * Builds a v1 TimeStampReq over a SHA-256 imprint with a random 64-bit nonce (RFC 3161 §2.4.1: "the
 * nonce ... allows the client to verify the timeliness of the response when no local clock is
 * available") and certReq TRUE, so the token carries the TSA certificate for later offline checks.
 */
export function buildTimestampRequest(
  input: { readonly data: Uint8Array } | { readonly digest: Uint8Array },
  options: BuildRequestOptions = {},
): TimestampRequest {
  const sha256 = hashByName('SHA-256');
  const imprint = 'data' in input ? digest('SHA-256', input.data) : input.digest;
  if (imprint.byteLength !== sha256.length) {
    throw new AevError('E_USAGE', `a SHA-256 imprint is ${sha256.length} bytes, not ${imprint.byteLength}`);
  }
  const random = options.random ?? ((size: number) => new Uint8Array(randomBytes(size)));
  let nonce = 0n;
  // A zero nonce would be indistinguishable from a TSA that echoes nothing useful; draw again.
  while (nonce === 0n) nonce = BigInt(`0x${Buffer.from(random(8)).toString('hex')}`);
  const request = new pkijs.TimeStampReq({
    version: 1,
    // RFC 5754 §2: SHA-2 AlgorithmIdentifiers are generated with absent parameters.
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: sha256.oid }),
      hashedMessage: new asn1js.OctetString({ valueHex: imprint }),
    }),
    nonce: new asn1js.Integer({ valueHex: unsignedIntegerBytes(nonce) }),
    certReq: true,
    ...(options.policy === undefined ? {} : { reqPolicy: options.policy }),
  });
  const der = new Uint8Array(request.toSchema().toBER(false));
  const base = {
    der,
    imprint: { algorithm: 'SHA-256' as const, digest: new Uint8Array(imprint) },
    nonce,
    certReq: true,
  };
  return options.policy === undefined ? base : { ...base, policy: options.policy };
}
