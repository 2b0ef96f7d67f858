import { describe, expect, it } from 'vitest';
import type { ChainRecordBody } from '../../../../electron/common/model/chain.ts';
import { itemsSummary } from '../../../../electron/engine/retention/purge-summary.ts';
import { chainRecordBodySchema } from '../../../../electron/engine/verify/chain-record-schema.ts';

const NOTHING = itemsSummary([]);
const AT = '2026-01-01T00:00:00.000Z';

function tombstone(change: Partial<ChainRecordBody> = {}): ChainRecordBody {
  return {
    v: 1,
    kind: 'tombstone',
    sessionId: 's_1',
    agent: 'claude-code',
    agentSessionId: 'a',
    seq: 4,
    prev: 'ab'.repeat(32),
    device: 'SHA256:x',
    from: AT,
    to: AT,
    sealedAt: '2026-04-02T00:00:00.000Z',
    events: NOTHING,
    media: NOTHING,
    gap: null,
    final: true,
    purge: {
      reason: 'retention',
      policyDays: 90,
      endedAt: AT,
      records: { firstSeq: 1, lastSeq: 3 },
      events: itemsSummary([{ seq: 1, leafInput: Buffer.from('digest') }]),
      media: NOTHING,
      bytes: 10,
    },
    ...change,
  };
}

const valid = (body: unknown): boolean => chainRecordBodySchema.safeParse(body).success;

describe('chain record schema: tombstones', () => {
  it('accepts a tombstone that seals nothing, covers no time and follows the records it names', () => {
    expect(valid(tombstone())).toBe(true);
  });

  it('refuses a tombstone that claims time, content, a gap, an open chain or records after itself', () => {
    expect(valid(tombstone({ to: '2026-01-02T00:00:00.000Z' }))).toBe(false);
    expect(valid(tombstone({ events: itemsSummary([{ seq: 9, leafInput: Buffer.from('x') }]) }))).toBe(false);
    expect(valid(tombstone({ gap: { reason: 'paused', detail: null } }))).toBe(false);
    expect(valid(tombstone({ final: false }))).toBe(false);
    const purge = tombstone().purge!;
    expect(valid(tombstone({ purge: { ...purge, records: { firstSeq: 1, lastSeq: 4 } } }))).toBe(false);
    expect(valid(tombstone({ purge: { ...purge, policyDays: 0 } }))).toBe(false);
  });

  it('keeps `purge` to tombstones: a window with one, or a tombstone without one, is refused', () => {
    const { purge, ...bare } = tombstone();
    expect(valid(bare)).toBe(false);
    expect(valid({ ...tombstone(), kind: 'window' })).toBe(false);
    expect(valid({ ...bare, kind: 'window', final: false, from: AT, to: AT })).toBe(true);
    expect(purge).toBeDefined();
  });
});
