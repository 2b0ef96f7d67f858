import { certificatesFromPem } from '../tsa/tsa-certificate.ts';
import { TsaVerificationCache } from '../tsa/verification-cache.ts';
import { verifyTimestamp } from '../tsa/verify-timestamp.ts';

/** Checks one RFC 3161 response for an imprint against the TSA trust store. */
export type TokenCheck = (
  response: Buffer,
  imprint: Buffer,
) => { readonly valid: boolean; readonly code?: string; readonly message?: string; readonly genTime?: string };

/**
 * The token check of every verifier (store and bundle) and of the exporter's report: a full
 * TimeStampResp, SHA-256 imprint, against the dedicated TSA trust store (docs/rfc3161-verification.md).
 * Unusable anchors make every token fail with the verifier's own coded reason when `lenient`, else
 * they throw. One checker is made per run and checks hundreds of tokens from the same few TSAs, so it
 * keeps one verification cache for all of them (same verdicts, most of the work done once).
 */
export function tokenChecker(trustPem: string, lenient = false): TokenCheck {
  let anchors: ReturnType<typeof certificatesFromPem> = [];
  try {
    anchors = certificatesFromPem(trustPem);
  } catch (error) {
    if (!lenient) throw error;
  }
  const cache = new TsaVerificationCache();
  return (response, imprint) => {
    const v = verifyTimestamp(
      response,
      { digest: imprint, algorithm: 'SHA-256' },
      { trustAnchors: anchors, form: 'response', cache },
    );
    return {
      valid: v.valid,
      ...(v.code === undefined ? {} : { code: v.code }),
      ...(v.message === undefined ? {} : { message: v.message }),
      ...(v.genTime === undefined ? {} : { genTime: v.genTime }),
    };
  };
}
