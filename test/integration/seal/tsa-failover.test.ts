import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, sendEvents, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

describe('several TSAs', () => {
  let first: OpensslTsa;
  let second: OpensslTsa;
  let t: TestEngine;
  beforeAll(async () => {
    first = await startOpensslTsa();
    second = await startOpensslTsa();
    t = await startTestEngine({
      windowMs: 300,
      tsa: {
        endpoints: [
          { url: first.url, minSpacingMs: 0 },
          { url: second.url, minSpacingMs: 0 },
        ],
        trustPem: `${first.rootPem}\n${second.rootPem}`,
        timeoutMs: 3000,
      },
    });
  });
  afterAll(async () => {
    await t.dispose();
    await first.close();
    await second.close();
  });

  // The distinct TSAs that stamped the session's records: on a busy machine its two events may fall in
  // two 300 ms windows, and each of those records must have been stamped by the same TSA.
  async function stampedBy(agentSession: string): Promise<string[]> {
    const acks = await sendEvents(t.info.socketPath, agentSession, 2);
    await until(
      () => t.engine.status().sealing.unsealedEvents === 0 && t.engine.status().sealing.tsa.pending === 0,
      20_000,
      'stamped',
    );
    const db = openIndexFile(t.dataRoot, true);
    const urls = db
      .prepare<[string], { tsa_url: string }>('SELECT tsa_url FROM tsa_tokens WHERE session_id = ?')
      .all(acks[0]!.sessionId)
      .map((r) => r.tsa_url);
    db.close();
    return [...new Set(urls)];
  }

  it('fails over to the next TSA when the first is down, and records which one stamped', async () => {
    await first.setMode('down');
    expect(await stampedBy('failover')).toEqual([second.url]);
    const status = t.engine.status().sealing.tsa.tsas;
    expect(status[0]!.lastError).toBeTruthy();
    expect(status[1]!.lastSuccessAt).not.toBeNull();
    expect((await verifyDataRoot(t.dataRoot, `${first.rootPem}\n${second.rootPem}`)).ok).toBe(true);
  }, 30_000);

  it('takes a slow TSA as a failure after the timeout and moves on', async () => {
    await first.setMode('slow');
    expect(await stampedBy('slow')).toEqual([second.url]);
  }, 30_000);
});
