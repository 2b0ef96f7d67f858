/** Codes of the evidence verifier (a closed union, like sigstore-js's). */
export const VERIFY_CODES = [
  'OK',
  'RECORD_SCHEMA',
  'RECORD_CANONICAL',
  'RECORD_HASH',
  'RECORD_SEQ',
  'RECORD_SESSION',
  'RECORD_LINK',
  'RECORD_COVERAGE',
  'RECORD_DEVICE',
  'RECORD_SIGNATURE',
  'RECORD_AFTER_FINAL',
  'EVENT_CIPHERTEXT',
  'EVENT_DIGEST',
  'EVENT_ROW',
  'EVENT_MISSING',
  'EVENT_UNSEALED',
  'EVENT_ORPHANED',
  'EVENTS_ROOT',
  'MEDIA_CIPHERTEXT',
  'MEDIA_DIGEST',
  'MEDIA_DESCRIPTOR',
  'MEDIA_MISSING',
  'MEDIA_UNSEALED',
  'MEDIA_ORPHANED',
  'MEDIA_ROOT',
  'TOKEN_INVALID',
  'TOKEN_IMPRINT',
  'TOKEN_PENDING',
  'DEVICE_KEY',
  'SESSION_MISSING',
  // retention (docs/retention.md): content deleted under a signed tombstone is reported, not failed…
  'PURGED',
  // …and a tombstone that does not match what it claims to have deleted, or one the index knows of but the chain lacks
  'PURGE_MISMATCH',
  'TOMBSTONE_MISSING',
  // secret redaction (docs/redaction.md "On the chain"): what was in force, a fact reported as a pass
  'REDACTION',
  // evidence bundles (docs/bundle-format.md): the container…
  'BUNDLE_DECRYPT',
  'ARCHIVE_HEADER',
  'ARCHIVE_PATH',
  'ARCHIVE_TRAVERSAL',
  'ARCHIVE_ABSOLUTE',
  'ARCHIVE_LINK',
  'ARCHIVE_ENTRY_TYPE',
  'ARCHIVE_DUPLICATE',
  'ARCHIVE_TRUNCATED',
  'ARCHIVE_OVERSIZED',
  'ARCHIVE_TOO_MANY',
  // …and its contents
  'MANIFEST_SCHEMA',
  'MANIFEST_SIGNATURE',
  'SUMS_MISMATCH',
  'SUMS_MISSING',
  'SUMS_UNLISTED',
  'BUNDLE_UNEXPECTED',
  'RECORD_MISSING',
  'PROOF_INVALID',
  'EVENT_WITHHELD',
  'TOKEN_UNCOVERED',
  // clip/ (docs/bundle-format.md "clip/"): made of exactly the sealed media it names
  'CLIP_MISMATCH',
  'CLIP_UNCHECKED',
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export type VerifyStatus = 'pass' | 'fail' | 'pending';

export interface VerifyItem {
  /** What was checked, e.g. `session s_… record 4`, `session s_… event 17`, `… token on record 9`. */
  readonly item: string;
  readonly status: VerifyStatus;
  readonly code: VerifyCode;
  readonly message: string;
}

export interface VerifyReport {
  /** True only when nothing failed and (unless pending is allowed) nothing is pending. */
  readonly ok: boolean;
  readonly items: readonly VerifyItem[];
  readonly counts: { readonly pass: number; readonly fail: number; readonly pending: number };
}
