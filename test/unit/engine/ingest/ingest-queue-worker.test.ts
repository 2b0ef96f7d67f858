// Big batches are hashed and encrypted in a worker thread (event-crypto.ts) between their sequencing and
// their commit. The queue's promises must not change: acknowledged only after a flush that began after
// the commit, per-session order, rows exactly as the engine thread would write them, and nothing lost
// or written twice when the engine shuts down while a batch is in the worker.
import type { Database } from 'better-sqlite3';
import { hash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIndex } from '../../../../electron/engine/index/open-index.ts';
import { EventWriter } from '../../../../electron/engine/ingest/event-writer.ts';
import type { WrittenEvent } from '../../../../electron/engine/ingest/event-writer.ts';
import { IngestQueue } from '../../../../electron/engine/ingest/ingest-queue.ts';
import { payloadAad } from '../../../../electron/engine/ingest/payload-aad.ts';
import { parseStoredEvent } from '../../../../electron/engine/ingest/stored-event.ts';
import { systemClock } from '../../../../electron/engine/runtime/clock.ts';
import { leafHash } from '../../../../electron/engine/seal/merkle.ts';
import { merkleRoot } from '../../../../electron/engine/seal/merkle.ts';
import { SessionTracker } from '../../../../electron/engine/sessions/session-tracker.ts';
import { openBytes } from '../../../../electron/engine/vault/aead.ts';
import { ManualDisk, queuedEvent as event } from '../../../helpers/ingest-fixtures.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Row {
  id: string;
  session_id: string;
  seq: number;
  digest: Buffer;
  payload_bytes: number;
  payload_ct: Buffer;
}

describe('ingest queue: big batches hashed and encrypted in a worker', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: Database;
  let disk: ManualDisk;
  let writer: EventWriter;
  let queue: IngestQueue;
  const key = randomBytes(32);
  const rows = (): Row[] => db.prepare<[], Row>('SELECT * FROM events ORDER BY rowid').all();
  beforeEach(() => {
    tmp = makeTempDir('aev-queue-worker-');
    db = openIndex(path.join(tmp.dir, 'index.sqlite'));
    disk = new ManualDisk();
    writer = new EventWriter(db, key, new SessionTracker());
    queue = new IngestQueue(writer, systemClock, disk);
  });
  afterEach(() => {
    writer.stopWorker();
    db.close();
    tmp.cleanup();
  });

  it('writes what the engine thread would, acknowledges only after a later flush, in order', async () => {
    const acked: number[] = [];
    const burst = Array.from({ length: 300 }, (_, i) =>
      queue.submit(event(i % 2 === 0 ? 'even' : 'odd'), 'sdk').then((w) => {
        acked.push(i);
        return w;
      }),
    );
    await until(() => rows().length === 300, 'the batch from the worker to be committed');
    expect(acked).toEqual([]);
    expect(disk.flushes).toHaveLength(1);
    disk.flushes[0]?.resolve(undefined);
    const written = await Promise.all(burst);
    expect(acked).toEqual(Array.from({ length: 300 }, (_, i) => i));

    // Per session, seq 1..150 in arrival order.
    const bySession = new Map<string, number[]>();
    for (const w of written) bySession.set(w.sessionId, [...(bySession.get(w.sessionId) ?? []), w.seq]);
    expect([...bySession.values()]).toEqual([
      Array.from({ length: 150 }, (_, i) => i + 1),
      Array.from({ length: 150 }, (_, i) => i + 1),
    ]);

    // Each row: the digest is SHA-256 of the stored bytes, which decrypt under the row's own AAD.
    const stored = rows();
    for (const [i, row] of stored.entries()) {
      const plain = openBytes(key, row.payload_ct, payloadAad(row.id));
      expect(hash('sha256', plain, 'buffer').equals(row.digest)).toBe(true);
      expect(plain.length).toBe(row.payload_bytes);
      const w = written[i] as WrittenEvent;
      expect(parseStoredEvent(plain).meta).toMatchObject({ id: w.eventId, sessionId: w.sessionId, seq: w.seq });
    }
    // The open window's Merkle root is over the worker's leaf hashes, as over the engine thread's.
    for (const sessionId of bySession.keys()) {
      const leaves = stored.filter((r) => r.session_id === sessionId).map((r) => leafHash(r.digest));
      expect(writer.peek(sessionId)?.root.equals(merkleRoot(leaves))).toBe(true);
    }
  });

  it('commits nothing else while a batch is in the worker, then carries on in sequence', async () => {
    const first = Array.from({ length: 100 }, () => queue.submit(event('s'), 'sdk'));
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 5 }, () => queue.submit(event('s'), 'sdk'));
    await new Promise((r) => setImmediate(r));
    expect(rows()).toHaveLength(0); // the small batch waits for the big one's sequence numbers to land
    await until(() => rows().length === 105, 'both batches to be committed');
    for (const f of disk.flushes) f.resolve(undefined);
    await until(() => disk.flushes.length === 2, 'the second flush');
    for (const f of disk.flushes) f.resolve(undefined);
    const seqs = (await Promise.all([...first, ...second])).map((w) => w.seq);
    expect(seqs).toEqual(Array.from({ length: 105 }, (_, i) => i + 1));
  });

  it('on shutdown writes the batch in the worker itself, once, and acknowledges it before drain returns', async () => {
    const burst = Array.from({ length: 200 }, () => queue.submit(event('s'), 'sdk'));
    await new Promise((r) => setImmediate(r));
    expect(rows()).toHaveLength(0); // sequenced and in the worker, not yet written
    queue.drain();
    expect(rows()).toHaveLength(200);
    expect(disk.blockingFlushes).toBe(1);
    expect((await Promise.all(burst)).map((w) => w.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await new Promise((r) => setTimeout(r, 200)); // the worker's late answer, if any, changes nothing
    expect(rows()).toHaveLength(200);
  });

  it('after the worker has gone, hashes and encrypts on the engine thread', async () => {
    writer.stopWorker();
    const burst = Array.from({ length: 100 }, () => queue.submit(event('s'), 'sdk'));
    await until(() => rows().length === 100, 'the batch to be committed');
    disk.flushes[0]?.resolve(undefined);
    expect((await Promise.all(burst)).map((w) => w.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const row of rows())
      expect(hash('sha256', openBytes(key, row.payload_ct, payloadAad(row.id)), 'buffer').equals(row.digest)).toBe(
        true,
      );
  });
});
