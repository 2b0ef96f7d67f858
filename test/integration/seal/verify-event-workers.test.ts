import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../electron/common/model/verification.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { EventCheckWorkers } from '../../../electron/engine/verify/event-checks.ts';
import { openStoreReadOnly } from '../../../electron/engine/verify/open-store.ts';
import { verifyStore } from '../../../electron/engine/verify/verify-store.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { openIndexFile, sendEvents, until } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/**
 * Events' content checked in worker threads (verify/event-checks.ts) must give the very report the
 * engine thread gives: the same items, codes and messages, in the same order, on a clean store and on a
 * tampered one.
 */
describe('event content checks in worker threads', () => {
  const work = makeTempDir();
  let pristine: string;

  beforeAll(async () => {
    const t = await startTestEngine({ windowMs: 300 });
    for (let w = 0; w < 2; w++) {
      await sendEvents(t.info.socketPath, 'event-workers', 6);
      await until(() => t.engine.status().sealing.unsealedEvents === 0, 10_000, 'sealed');
    }
    pristine = t.dataRoot;
    await t.engine.stop();
  }, 60_000);

  afterAll(() => {
    work.cleanup();
  });

  let n = 0;
  function copyOf(): string {
    const dir = path.join(work.dir, `case-${n++}`);
    fs.cpSync(pristine, dir, { recursive: true });
    return dir;
  }

  const verify = (dataRoot: string, eventWorkerMinEvents: number): Promise<VerifyReport> =>
    verifyStore({
      dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      sessions: 'all',
      trustPem: '',
      allowPending: true,
      eventWorkerMinEvents,
    });

  it('reports a clean store alike from both threads', async () => {
    const inWorkers = await verify(pristine, 1);
    expect(inWorkers.counts.fail).toBe(0);
    expect(inWorkers.items.filter((i) => i.item.endsWith(' events')).length).toBeGreaterThan(0);
    expect(inWorkers).toEqual(await verify(pristine, Number.POSITIVE_INFINITY));
  });

  it('names the same tampered events, in the same order, as the engine thread does', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    const row = db.prepare<[], { payload_ct: Buffer }>('SELECT payload_ct FROM events WHERE seq = 5').get();
    if (row === undefined) throw new Error('no event 5');
    row.payload_ct[30] = (row.payload_ct[30] ?? 0) ^ 0x01;
    db.prepare('UPDATE events SET payload_ct = ? WHERE seq = 5').run(row.payload_ct);
    db.prepare('UPDATE events SET digest = zeroblob(32) WHERE seq = 2').run();
    db.prepare(`UPDATE events SET redactions = '{"count":1}' WHERE seq = 3`).run();
    db.prepare('UPDATE events SET payload_ct = zeroblob(0) WHERE seq = 9').run();
    db.close();
    const inWorkers = await verify(d, 1);
    const failed = inWorkers.items.filter((i) => i.status === 'fail').map((i) => `${i.code} ${i.item}`);
    for (const expected of [/^EVENT_CIPHERTEXT .*event 5$/, /^EVENT_DIGEST .*event 2$/, /^EVENT_ROW .*event 3$/])
      expect(
        failed.some((f) => expected.test(f)),
        failed.join('\n'),
      ).toBe(true);
    // An emptied ciphertext without a tombstone: the workers skip it, the engine thread fails it.
    expect(failed.some((f) => /^EVENT_CIPHERTEXT .*event 9$/.test(f))).toBe(true);
    expect(inWorkers).toEqual(await verify(d, Number.POSITIVE_INFINITY));

    // And the workers did the checks (the engine thread did not quietly take them all over).
    const {
      vault,
      db: index,
      close,
    } = await openStoreReadOnly({
      dataRoot: d,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
    });
    const checks = new EventCheckWorkers(runtimePaths(d).indexPath, vault.subkey('index-fields'), 1);
    try {
      const { session_id: sessionId, last } = index
        .prepare<[], { session_id: string; last: number }>('SELECT session_id, max(seq) AS last FROM events')
        .get() ?? { session_id: '', last: 0 };
      const results = await checks.check(sessionId, last);
      expect([...results.checked]).toEqual(Array.from({ length: last }, (_, i) => i + 1).filter((s) => s !== 9));
      expect(results.failures.get(5)?.map((f) => f.code)).toEqual(['EVENT_CIPHERTEXT']);
      expect(results.failures.get(2)?.map((f) => f.code)).toEqual(['EVENT_DIGEST']);
      expect(results.failures.get(3)?.map((f) => f.code)).toEqual(['EVENT_ROW']);
      expect(results.failures.has(1)).toBe(false);
    } finally {
      checks.close();
      close();
    }
  });
});
