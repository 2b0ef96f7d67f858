// The queue's promise (invariant I7): an event is acknowledged only once a flush of the write-ahead log
// that began after its commit has finished. The writer and SQLite file are real; the flush is a test
// double the test resolves by hand, standing in for the disk (IndexDurability flushes the real log).
import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIndex } from '../../../../electron/engine/index/open-index.ts';
import { EventWriter } from '../../../../electron/engine/ingest/event-writer.ts';
import type { WrittenEvent } from '../../../../electron/engine/ingest/event-writer.ts';
import { IngestQueue } from '../../../../electron/engine/ingest/ingest-queue.ts';
import { systemClock } from '../../../../electron/engine/runtime/clock.ts';
import { SessionTracker } from '../../../../electron/engine/sessions/session-tracker.ts';
import { ManualDisk, queuedEvent as event } from '../../../helpers/ingest-fixtures.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

/** Settles pending callbacks: setImmediate (the queue's flush) and the promise jobs after it. */
async function turn(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

describe('ingest queue: pipelined group commit', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: Database;
  let disk: ManualDisk;
  let queue: IngestQueue;
  const rows = (): number => (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  beforeEach(() => {
    tmp = makeTempDir('aev-queue-');
    db = openIndex(path.join(tmp.dir, 'index.sqlite'));
    disk = new ManualDisk();
    queue = new IngestQueue(new EventWriter(db, randomBytes(32), new SessionTracker()), systemClock, disk);
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('acknowledges a batch only when the flush that began after its commit has finished, in order', async () => {
    const acked: string[] = [];
    const submit = (name: string): Promise<WrittenEvent> =>
      queue.submit(event('s1'), 'sdk').then((w) => {
        acked.push(name);
        return w;
      });
    const first = [submit('a'), submit('b'), submit('c')];
    await turn();
    expect(rows()).toBe(3);
    expect(disk.flushes).toHaveLength(1);
    expect(acked).toEqual([]);

    // A small batch does not wait for the flush in flight: committed and flushed beside it. That first
    // flush does not cover it.
    const second = [submit('d'), submit('e')];
    await turn();
    expect(rows()).toBe(5);
    expect(disk.flushes).toHaveLength(2);

    // The second flush ends first: its events wait for the first one, so acks keep commit order.
    disk.flushes[1]?.resolve(undefined);
    await turn();
    expect(acked).toEqual([]);
    disk.flushes[0]?.resolve(undefined);
    await Promise.all([...first, ...second]);
    expect(acked).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await Promise.all(second)).map((w) => w.seq)).toEqual([4, 5]);
    expect(queue.writtenThisRun).toBe(5);
  });

  it('makes a big batch wait for the flush in flight, and commits it in one transaction', async () => {
    const lone = queue.submit(event('s5'), 'sdk');
    await turn();
    expect(disk.flushes).toHaveLength(1);
    const burst = Array.from({ length: 20 }, () => queue.submit(event('s5'), 'sdk'));
    await turn();
    expect(rows()).toBe(1);
    disk.flushes[0]?.resolve(undefined);
    await lone;
    await turn();
    expect(rows()).toBe(21);
    expect(disk.flushes).toHaveLength(2);
    disk.flushes[1]?.resolve(undefined);
    expect((await Promise.all(burst)).map((w) => w.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });

  it('refuses, never acknowledges, the events of a flush that failed', async () => {
    const pending = queue.submit(event('s2'), 'sdk');
    await turn();
    disk.flushes[0]?.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(pending).rejects.toMatchObject({ code: 'E_IO' });
    expect(queue.writtenThisRun).toBe(0);
  });

  it('holds commits while the write-ahead log restarts', async () => {
    const hold = Promise.withResolvers<undefined>();
    disk.commitsHeld = hold.promise;
    const pending = queue.submit(event('s3'), 'sdk');
    await turn();
    expect(rows()).toBe(0);
    disk.commitsHeld = null;
    hold.resolve(undefined);
    await turn();
    expect(rows()).toBe(1);
    disk.flushes[0]?.resolve(undefined);
    await expect(pending).resolves.toMatchObject({ seq: 1 });
  });

  it('on shutdown writes, flushes and acknowledges everything before drain returns', async () => {
    const inFlight = queue.submit(event('s4'), 'sdk');
    await turn();
    const queued = [queue.submit(event('s4'), 'sdk'), queue.submit(event('s4'), 'sdk')];
    const settled: number[] = [];
    for (const p of [inFlight, ...queued]) void p.then((w) => settled.push(w.seq));
    queue.drain();
    expect(rows()).toBe(3);
    expect(disk.blockingFlushes).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled.sort()).toEqual([1, 2, 3]);
    await expect(queue.submit(event('s4'), 'sdk')).rejects.toMatchObject({ code: 'E_SHUTTING_DOWN' });
  });
});
