import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaKind } from '../../../../electron/common/model/media.ts';
import type { NewMedia } from '../../../../electron/engine/capture/media-store.ts';
import { workerThreadCount } from '../../../../electron/engine/runtime/worker-pool.ts';
import { listFiles } from '../../../helpers/temp-dir.ts';
import { mediaFixture } from './media-fixture.ts';
import type { MediaFixture } from './media-fixture.ts';

const item = (bytes: Buffer, kind: MediaKind = 'terminal'): NewMedia => ({
  kind,
  bytes,
  startMs: Date.now(),
  endMs: Date.now(),
});

describe('media store pipeline: adds in flight together', () => {
  let f: MediaFixture;
  beforeEach(async () => {
    f = await mediaFixture();
  });
  afterEach(() => {
    f.close();
  });

  /** Rows whose object is not yet at its final path, and temp files, sampled on every turn until `done`. */
  async function watch(done: Promise<unknown>): Promise<{ rowsWithoutObject: number; maxTemps: number }> {
    const state = { finished: false };
    void done
      .finally(() => {
        state.finished = true;
      })
      .catch(() => undefined);
    let rowsWithoutObject = 0;
    let maxTemps = 0;
    const objectsDir = path.join(f.dir, 'vault', 'objects');
    while (!state.finished) {
      const rows = f.db
        .prepare<[string], { kind: MediaKind; object_id: string }>(
          'SELECT kind, object_id FROM media WHERE session_id = ?',
        )
        .all(f.sessionId);
      rowsWithoutObject += rows.filter((r) => !fs.existsSync(f.vault.objects.pathOf(r.kind, r.object_id))).length;
      if (fs.existsSync(objectsDir))
        maxTemps = Math.max(maxTemps, listFiles(objectsDir).filter((p) => p.endsWith('.tmp')).length);
      await new Promise((go) => setImmediate(go));
    }
    return { rowsWithoutObject, maxTemps };
  }

  it('gives rows the seqs of the call order, however the writes finish, and indexes no row before its object is in place', async () => {
    // Big items first, so later, small ones finish writing before them.
    const data = Array.from({ length: 24 }, (_, i) => randomBytes(i % 6 === 0 ? 3 * 1024 * 1024 : 100 + i));
    const adds = data.map((bytes) => f.media.add(f.sessionId, item(bytes)));
    const all = Promise.all(adds);
    const seen = await watch(all);
    const stored = await all;
    expect(stored.map((s) => s.seq)).toEqual(data.map((_, i) => i + 1));
    expect(seen.rowsWithoutObject).toBe(0);
    // Bounded: at most one object a writer is being written (a temp file each) at any moment: two on the
    // engine thread's thread-pool writes before the vault's object workers start, one per worker after.
    expect(seen.maxTemps).toBeGreaterThan(0);
    expect(seen.maxTemps).toBeLessThanOrEqual(Math.max(2, workerThreadCount()));
    for (const [i, bytes] of data.entries()) {
      const { item: got, bytes: read } = await f.media.read(f.sessionId, i + 1);
      expect(read.equals(bytes)).toBe(true);
      expect(got.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('refuses an item whose object cannot be written without holding back or renumbering the others', async () => {
    const outcomes = await Promise.allSettled([
      f.media.add(f.sessionId, item(Buffer.from('one'))),
      f.media.add(f.sessionId, item(Buffer.from('bad'), 'not-a-kind' as MediaKind)),
      f.media.add(f.sessionId, item(Buffer.from('three'))),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'E_USAGE' });
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value.seq)).toEqual([1, 2]);
    expect((await f.media.read(f.sessionId, 2)).bytes.toString()).toBe('three');
  });

  it('refuses every item for a session sealed for good and leaves no orphan object behind', async () => {
    await f.media.add(f.sessionId, item(Buffer.from('before the end')));
    f.db.prepare('UPDATE sessions SET chain_final = 1 WHERE id = ?').run(f.sessionId);
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => f.media.add(f.sessionId, item(Buffer.alloc(n)))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // Each refused object is removed before its refusal: only the first item's object remains.
    expect(listFiles(path.join(f.dir, 'vault', 'objects')).length).toBe(1);
  });
});
