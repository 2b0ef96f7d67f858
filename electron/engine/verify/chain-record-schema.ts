import { z } from 'zod';
import { GAP_REASONS } from '../../common/model/chain.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const itemsSummary = z.strictObject({
  count: z.number().int().nonnegative(),
  firstSeq: z.number().int().positive().nullable(),
  lastSeq: z.number().int().positive().nullable(),
  root: hex64,
});

/** A chain record read back from disk or a bundle is hostile input: strict schema, no extra keys. */
export const chainRecordBodySchema: z.ZodType<ChainRecordBody> = z.strictObject({
  v: z.literal(1),
  kind: z.enum(['window', 'gap']),
  sessionId: z.string().min(1).max(128),
  agent: z.string().min(1).max(64),
  agentSessionId: z.string().min(1).max(256),
  seq: z.number().int().positive(),
  prev: hex64.nullable(),
  device: z.string().min(1).max(128),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  sealedAt: z.iso.datetime(),
  events: itemsSummary,
  media: itemsSummary,
  gap: z.strictObject({ reason: z.enum(GAP_REASONS), detail: z.string().max(1000).nullable() }).nullable(),
  final: z.boolean(),
});
