import { z } from 'zod';
import { SESSION_KINDS } from '../../common/model/media.ts';

// docs/bundle-format.md "manifest.json" and "proofs/<record>.json". The verifier reads both from a
// bundle that came from outside, so the schemas are strict: no extra keys, bounded sizes.

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seq = z.number().int().positive();
const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

export const withheldSchema = z.strictObject({ seq, leaf: hex64 });

export const manifestSessionSchema = z.strictObject({
  sessionId: id,
  kind: z.enum(SESSION_KINDS),
  content: z.array(seq).max(1_000_000),
  context: z.array(seq).max(1_000_000),
  withheld: z.array(withheldSchema).max(1_000_000),
});

/**
 * What clip/ holds (docs/bundle-format.md "clip/"): the media items clip.mp4 and terminal.cast are made
 * of, so the verifier rebuilds them from sealed bytes, and why clip.mp4 is absent when it is.
 */
export const clipSchema = z.strictObject({
  video: z.strictObject({ sessionId: id, init: seq, fragments: z.array(seq).min(1).max(10_000_000) }).nullable(),
  /** Why there is no clip.mp4 (no ffmpeg, no video in range…); only when `video` is null. */
  videoNote: z.string().min(1).max(1000).optional(),
  terminal: z.strictObject({ sessionId: id, chunks: z.array(seq).min(1).max(10_000_000) }).nullable(),
});

export type BundleClip = z.infer<typeof clipSchema>;

export const manifestSchema = z.strictObject({
  v: z.literal(1),
  bundleId: id,
  createdAt: z.iso.datetime(),
  device: z.string().min(1).max(128),
  range: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  sessions: z.array(manifestSessionSchema).min(1).max(10_000),
  files: z.number().int().nonnegative(),
  /** Absent in bundles written before clip/ existed. */
  clip: clipSchema.optional(),
});

export type BundleManifest = z.infer<typeof manifestSchema>;
export type ManifestSession = z.infer<typeof manifestSessionSchema>;

const proofItems = z.strictObject({ firstSeq: seq.nullable(), leaves: z.array(hex64).max(10_000_000) });

export const proofSchema = z.strictObject({ record: seq, events: proofItems, media: proofItems });

/** Per content window: the ordered leaf inputs (event digests, descriptor hashes) of its two Merkle trees. */
export type BundleProof = z.infer<typeof proofSchema>;

export const sessionFactsSchema = z.strictObject({
  sessionId: id,
  kind: z.enum(SESSION_KINDS),
  agent: z.string().max(64),
  agentSessionId: z.string().max(256),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
});

/** sessions/<id>/session.json: clear facts only (no content). */
export type SessionFacts = z.infer<typeof sessionFactsSchema>;
