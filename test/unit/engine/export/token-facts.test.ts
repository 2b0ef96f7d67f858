import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Selection } from '../../../../electron/engine/export/bundle-selection.ts';
import { checkTokenFacts, startTokenFacts, tokensToCheck } from '../../../../electron/engine/export/token-facts.ts';
import { buildTimestampRequest } from '../../../../electron/engine/tsa/timestamp-request.ts';
import { startOpensslTsa } from '../../../helpers/openssl-tsa.ts';
import { processCounts, settledThreads } from '../../../helpers/process-counts.ts';
import type { OpensslTsa } from '../../../helpers/openssl-tsa.ts';

const threads = (): number => processCounts().threads;

/** A selection of one session with `records`, each stamped by `tokens` (record seq → token bytes). */
function selectionOf(records: ReadonlyMap<number, Buffer>, tokens: readonly { seq: number; response: Buffer }[]) {
  const rec = (seq: number, record: Buffer) => ({ body: { seq }, stored: { record } });
  return {
    range: { from: '2026-11-30T00:00:00Z', to: '2026-11-30T01:00:00Z' },
    sessions: [
      {
        facts: { sessionId: 's_test' },
        content: [...records].map(([seq, record]) => rec(seq, record)),
        context: [],
        tokens: tokens.map((t, n) => ({ seq: t.seq, n, response: t.response })),
      },
    ],
  } as unknown as Selection;
}

describe('token facts for report.html', () => {
  let tsa: OpensslTsa;
  beforeAll(async () => {
    tsa = await startOpensslTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });

  const stamp = async (record: Buffer): Promise<Buffer> =>
    Buffer.from(await tsa.stamp(buildTimestampRequest({ digest: createHash('sha256').update(record).digest() }).der));

  it('checks every token on a worker thread exactly as on this one: valid, for another record, record missing', async () => {
    const records = new Map([1, 2, 3].map((seq) => [seq, Buffer.from(`{"record":${seq}}`)] as const));
    const one = await stamp(records.get(1) ?? Buffer.alloc(0));
    const two = await stamp(records.get(2) ?? Buffer.alloc(0));
    const tokens = [
      { seq: 1, response: one },
      { seq: 2, response: two },
      { seq: 3, response: one }, // record 1's token filed under record 3: another imprint
      { seq: 9, response: two }, // a record that is not in the export
      { seq: 2, response: Buffer.from('not a token') },
    ];
    const selection = selectionOf(records, tokens);
    const before = await settledThreads();
    const started = startTokenFacts(selection, tsa.rootPem);
    // The checks run on a thread of their own, started at once.
    expect(threads()).toBeGreaterThan(before);
    const onThread = await started.facts;
    // Its facts come once the thread has ended.
    expect(threads()).toBe(before);
    const here = checkTokenFacts(tokensToCheck(selection), tsa.rootPem);
    expect(onThread).toEqual(here);
    expect(onThread.map((t) => t.valid)).toEqual([true, true, false, false, false]);
    expect(onThread[0]?.genTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(onThread[0]?.file).toContain('s_test');
    for (const t of onThread.slice(2)) expect(t.problem).toMatch(/^TSA_[A-Z_]+: ./);
  });

  it('gives each token the verifier reason when the trust anchors are unusable, and nothing for no tokens', async () => {
    const records = new Map([[1, Buffer.from('{"record":1}')]]);
    const selection = selectionOf(records, [{ seq: 1, response: await stamp(records.get(1) ?? Buffer.alloc(0)) }]);
    const facts = await startTokenFacts(selection, 'not a PEM').facts;
    expect(facts).toHaveLength(1);
    expect(facts[0]?.valid).toBe(false);
    expect(facts[0]?.problem).toMatch(/^TSA_[A-Z_]+: ./);
    await expect(startTokenFacts(selectionOf(records, []), tsa.rootPem).facts).resolves.toEqual([]);
  });

  it('ends its thread when the export stops early, and then gives no facts', async () => {
    const records = new Map([[1, Buffer.from('{"record":1}')]]);
    const response = await stamp(records.get(1) ?? Buffer.alloc(0));
    const before = await settledThreads();
    const job = startTokenFacts(selectionOf(records, [{ seq: 1, response }]), tsa.rootPem);
    expect(threads()).toBeGreaterThan(before);
    await job.stop();
    expect(threads()).toBe(before);
    await expect(job.facts).resolves.toEqual([]);
  });
});
