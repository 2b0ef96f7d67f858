import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What the vault's access log holds (DESIGN.md §5: "every export, view and purge is itself an event in
 * a chain"; docs/requests-and-access-log.md). Entries name sessions, ranges, keys and hashes: never a
 * secret, never payload text. The only free text is a request's reason and a reviewer's reason for a
 * denial, which people wrote for this purpose.
 */

// Ids as the engine makes them (`s_…`, `rec_…`, `term_…`, `access_…`).
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const isoTime = z.iso.datetime({ offset: true });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** `SHA256:…` as `ssh-keygen -l` prints an SSH key's fingerprint. */
export const sshFingerprintSchema = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/);
/** A clip request's nonce: 32 random bytes, base64url without padding. */
export const requestNonceSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/** One line of human text: no control characters (they could rewrite a terminal showing it). */
export const oneLineText = (max: number): z.ZodString =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed');

/** What a request asked for, as it asked: a time range or a tool-call range (electron/engine/export). */
export const requestedRangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('time'), from: isoTime, to: isoTime }),
  z.strictObject({ kind: z.literal('tool'), fromTool: oneLineText(256), toTool: oneLineText(256) }),
]);

/** An evidence bundle left the vault: `aev export`, or an approved request. */
export const exportEntrySchema = z.strictObject({
  kind: z.literal('export'),
  sessionId,
  /** The resolved time range of the bundle (whole windows are exported around it). */
  range: z.strictObject({ from: isoTime, to: isoTime }),
  /** Every session with content in the bundle: the agent session and the screen and terminal around it. */
  sessions: z.array(sessionId).min(1).max(1000),
  /** Fingerprints of the age recipients (`recipientFingerprint`), or "plain" for an unencrypted bundle. */
  recipients: z.union([
    z.literal('plain'),
    z
      .array(z.string().regex(/^sha256:[0-9a-f]{64}$/))
      .min(1)
      .max(100),
  ]),
  bundleId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  /** SHA-256 of the bundle file as written (the age file when encrypted): `sha256sum` checks it. */
  bundleSha256: sha256Hex,
  /** Events left out with --withhold-event (their Merkle leaves stay in the bundle). */
  withheld: z.number().int().nonnegative(),
  /** The clip request this export answers (its nonce), or null for a plain `aev export`. */
  request: requestNonceSchema.nullable(),
});

/** A clip request was approved or denied (docs/requests-and-access-log.md). */
export const requestDecisionEntrySchema = z.strictObject({
  kind: z.literal('request-decision'),
  decision: z.enum(['approved', 'denied']),
  nonce: requestNonceSchema,
  /** SHA-256 of the request's canonical JSON: the exact request that was decided. */
  requestSha256: sha256Hex,
  requester: sshFingerprintSchema,
  /** The principal the reviewer's allowed-signers file names for the requester; null when not checked or not listed. */
  trustedAs: z.string().min(1).max(256).nullable(),
  sessionId,
  range: requestedRangeSchema,
  /** The requester's reason. */
  reason: oneLineText(2000),
  /** The reviewer's reason for a denial; null for an approval. */
  denyReason: oneLineText(2000).nullable(),
  expiresAt: isoTime,
});

/** The owner read decrypted content through the control API (coalesced: see AccessLog.viewed). */
export const VIEW_KINDS = ['payloads', 'video', 'terminal', 'still'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];
export const viewEntrySchema = z.strictObject({
  kind: z.literal('view'),
  sessionId,
  what: z.enum(VIEW_KINDS),
});

/** Content was deleted (retention; docs/retention.md). */
export const purgeEntrySchema = z.strictObject({
  kind: z.literal('purge'),
  sessionIds: z.array(sessionId).min(1).max(100_000),
  reason: oneLineText(2000),
});

/** A legal hold was put on a session or released (retention; docs/retention.md). */
export const legalHoldEntrySchema = z.strictObject({
  kind: z.literal('legal-hold'),
  action: z.enum(['hold', 'release']),
  sessionId,
  /** The hold's reason as the owner gave it; for a release, what was released. */
  reason: oneLineText(2000),
});

export const accessEntrySchema = z.discriminatedUnion('kind', [
  exportEntrySchema,
  requestDecisionEntrySchema,
  viewEntrySchema,
  purgeEntrySchema,
  legalHoldEntrySchema,
]);
export type AccessEntry = z.infer<typeof accessEntrySchema>;
export type AccessEntryKind = AccessEntry['kind'];
export type ExportEntry = z.infer<typeof exportEntrySchema>;
export type RequestDecisionEntry = z.infer<typeof requestDecisionEntrySchema>;
export type RequestedRange = z.infer<typeof requestedRangeSchema>;

/** Where an entry landed: its event in the access session. */
export interface RecordedAccess {
  readonly sessionId: string;
  readonly eventId: string;
  readonly seq: number;
  readonly at: string;
}

/**
 * An age recipient as the access log names it: `sha256:` and the hex SHA-256 of the `age1…` text, so
 * `printf %s age1… | sha256sum` finds which key a bundle went to without the log listing keys.
 */
export function recipientFingerprint(recipient: string): string {
  return `sha256:${createHash('sha256').update(recipient, 'utf8').digest('hex')}`;
}

/** A one-line description of an entry, for `aev access-log`. */
export function describeEntry(e: AccessEntry): string {
  switch (e.kind) {
    case 'export': {
      const to = e.recipients === 'plain' ? 'UNENCRYPTED' : `${e.recipients.length} recipient(s)`;
      const via = e.request === null ? '' : ` for request ${e.request.slice(0, 8)}…`;
      return `export of ${e.sessionId} ${e.range.from} → ${e.range.to} to ${to}${via}, bundle sha256 ${e.bundleSha256.slice(0, 16)}…, ${e.withheld} withheld`;
    }
    case 'request-decision':
      return (
        `request ${e.nonce.slice(0, 8)}… from ${e.requester}${e.trustedAs === null ? '' : ` (${e.trustedAs})`} ` +
        `${e.decision}: ${e.sessionId}; reason "${e.reason}"${e.denyReason === null ? '' : `; denied because "${e.denyReason}"`}`
      );
    case 'view':
      return `viewed ${e.what} of ${e.sessionId}`;
    case 'legal-hold':
      return `${e.action === 'hold' ? 'legal hold on' : 'legal hold released on'} ${e.sessionId}: ${e.reason}`;
    case 'purge':
      return `purged ${e.sessionIds.length} session(s) (${e.sessionIds.slice(0, 3).join(', ')}${e.sessionIds.length > 3 ? ', …' : ''}): ${e.reason}`;
  }
}
