/**
 * Why a time-stamp failed verification. A closed union (like sigstore-js VerificationError codes) so
 * the engine, the CLI and the report can switch on it exhaustively. docs/rfc3161-verification.md
 * explains each one and the order the checks run in.
 */
export const TSA_CHECK_CODES = [
  'TSA_MALFORMED',
  'TSA_STATUS',
  'TSA_CONTENT_TYPE',
  'TSA_SIGNER_INFO_COUNT',
  'TSA_SHA1_REJECTED',
  'TSA_IMPRINT_ALGORITHM',
  'TSA_IMPRINT_MISMATCH',
  'TSA_NONCE_MISMATCH',
  'TSA_POLICY',
  'TSA_ACCURACY',
  'TSA_MESSAGE_DIGEST',
  'TSA_SIGNER_NOT_FOUND',
  'TSA_ESS_MISSING',
  'TSA_ESS_MISMATCH',
  'TSA_SIGNATURE',
  'TSA_EKU',
  'TSA_KEY_USAGE',
  'TSA_LEAF_IS_CA',
  'TSA_NAME',
  'TSA_CHAIN',
] as const;

export type TsaCheckCode = (typeof TSA_CHECK_CODES)[number];

export function isTsaCheckCode(value: unknown): value is TsaCheckCode {
  return typeof value === 'string' && (TSA_CHECK_CODES as readonly string[]).includes(value);
}

/**
 * Thrown by one check inside the verifier and caught by the pipeline, which turns it into an
 * invalid verdict: the public verifier never throws.
 */
export class TsaCheckError extends Error {
  readonly code: TsaCheckCode;

  constructor(code: TsaCheckCode, message: string) {
    super(message);
    this.name = 'TsaCheckError';
    this.code = code;
  }
}

/** Fails the current check unless `condition` holds. */
export function ensure(condition: boolean, code: TsaCheckCode, message: string): asserts condition {
  if (!condition) throw new TsaCheckError(code, message);
}
