import { z } from 'zod';
import { GAP_REASONS, PURGE_REASONS } from '../../common/model/chain.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import { redactionStatementSchema } from '../redact/redaction-statement-schema.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const itemsSummary = z.strictObject({
  count: z.number().int().nonnegative(),
  firstSeq: z.number().int().positive().nullable(),
  lastSeq: z.number().int().positive().nullable(),
  root: hex64,
});

/** docs/chain-format.md "Tombstones". */
const purgeSummary = z.strictObject({
  reason: z.enum(PURGE_REASONS),
  policyDays: z.number().int().min(1).max(36_500),
  endedAt: z.iso.datetime(),
  records: z.strictObject({ firstSeq: z.number().int().positive(), lastSeq: z.number().int().positive() }),
  events: itemsSummary,
  media: itemsSummary,
  bytes: z.number().int().nonnegative(),
});

/** A chain record read back from disk or a bundle is hostile input: strict schema, no extra keys. */
export const chainRecordBodySchema: z.ZodType<ChainRecordBody> = z
  .strictObject({
    v: z.literal(1),
    kind: z.enum(['window', 'gap', 'tombstone']),
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
    purge: purgeSummary.optional(),
    redaction: redactionStatementSchema.optional(),
  })
  .superRefine((r, ctx) => {
    const wrong = (message: string): void => {
      ctx.addIssue({ code: 'custom', message });
    };
    if ((r.kind === 'tombstone') !== (r.purge !== undefined))
      wrong('`purge` belongs to tombstone records, and every tombstone has one');
    // The redaction in force when content was taken in: only a window takes content in.
    if (r.redaction !== undefined && r.kind !== 'window') wrong('`redaction` belongs to window records');
    if (r.kind !== 'tombstone' || r.purge === undefined) return;
    // A tombstone states a deletion and nothing else: it seals no content, covers no time, keeps the chain closed.
    if (!r.final || r.gap !== null || r.events.count !== 0 || r.media.count !== 0 || r.from !== r.to)
      wrong('a tombstone seals nothing, covers no time (from = to) and is final');
    if (r.purge.records.firstSeq > r.purge.records.lastSeq || r.purge.records.lastSeq >= r.seq)
      wrong('a tombstone names records before itself');
  });
