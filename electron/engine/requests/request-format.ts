import { createHash } from 'node:crypto';
import { z } from 'zod';
import { oneLineText, requestNonceSchema, requestedRangeSchema, sshFingerprintSchema } from '../access/access-entry.ts';
import { canonicalJson } from '../seal/canonical-json.ts';

/**
 * A clip request (docs/requests-and-access-log.md): a team lead asks a developer for a range of one
 * session, for a reason, to be encrypted to the lead's age key. The lead's device key signs the
 * request's RFC 8785 canonical JSON in SSHSIG form under its own namespace, so a request signature can
 * never pass for a chain record's (namespace `agent-evidence`) or the other way round.
 */
export const REQUEST_NAMESPACE = 'agent-evidence-request';
export const REQUEST_TYPE = 'agent-evidence-request';
/** Request files are hostile input: nothing larger is read (a real one is about 1.5 KiB). */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const DEFAULT_REQUEST_TTL_MS = 7 * 24 * 3600_000;
export const MAX_REQUEST_TTL_MS = 30 * 24 * 3600_000;
/** How far ahead of the reviewer's clock a request's creation time may be (clocks differ between machines). */
export const CLOCK_SKEW_MS = 5 * 60_000;

const isoTime = z.iso.datetime();

/** The signed body. Every member is required and no other is allowed: what is signed is all there is. */
export const clipRequestSchema = z
  .strictObject({
    type: z.literal(REQUEST_TYPE),
    v: z.literal(1),
    sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
    range: requestedRangeSchema,
    reason: oneLineText(2000),
    /** The age X25519 recipient the bundle is to be encrypted to (the requester's). */
    recipient: z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/),
    requester: z.strictObject({
      /** `ssh-ed25519 AAAA…` without a comment: the key that signed. */
      publicKey: z.string().regex(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}$/),
      fingerprint: sshFingerprintSchema,
    }),
    createdAt: isoTime,
    expiresAt: isoTime,
    /** 32 random bytes (base64url): a request is decided once, and this is how it is recognised. */
    nonce: requestNonceSchema,
  })
  .refine((r) => r.range.kind !== 'time' || Date.parse(r.range.from) < Date.parse(r.range.to), {
    message: 'the range must end after it starts',
    path: ['range'],
  });
export type ClipRequest = z.infer<typeof clipRequestSchema>;

/** The file: the signed body and the armored SSHSIG over its canonical JSON. */
export const requestFileSchema = z.strictObject({
  request: clipRequestSchema,
  signature: z.string().min(1).max(4096),
});
export type RequestFile = z.infer<typeof requestFileSchema>;

/** The exact bytes the signature covers: `jq -cSj .request FILE` reproduces them (docs/requests-and-access-log.md). */
export function requestSignedBytes(request: ClipRequest): Buffer {
  return canonicalJson(request);
}

/** Hex SHA-256 of the signed bytes: names one exact request in the access log. */
export function requestSha256(request: ClipRequest): string {
  return createHash('sha256').update(requestSignedBytes(request)).digest('hex');
}

/** The file's text: pretty JSON for people (the signature is over the canonical form, not these bytes). */
export function formatRequestFile(file: RequestFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
