import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexDurability } from '../../../../electron/engine/index/index-durability.ts';
import { openIndex } from '../../../../electron/engine/index/open-index.ts';
import { WalCheckpointer } from '../../../../electron/engine/index/wal-checkpointer.ts';
import { WalSyncer } from '../../../../electron/engine/index/wal-syncer.ts';
import { silentLogger } from '../../../../electron/engine/runtime/logger.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const PAGE = 4096;

describe('index durability: the write-ahead log flushed and checkpointed off the engine thread', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: Database;
  beforeEach(() => {
    tmp = makeTempDir('aev-durability-');
    db = openIndex(path.join(tmp.dir, 'index.sqlite'));
    db.exec('CREATE TABLE blobs (b BLOB NOT NULL)');
  });
  afterEach(() => {
    if (db.open) db.close();
    tmp.cleanup();
  });

  it('restarts the log under sustained commits, so it stays bounded, and loses no row', async () => {
    const restartFrames = 200;
    const ownThreshold = db.pragma('wal_autocheckpoint', { simple: true });
    const checkpointer = WalCheckpointer.start(db, silentLogger, {
      tickMs: 5,
      busyFrames: 8,
      idleIntervalMs: 20,
      restartFrames,
      quietMs: 0,
      hardRestartFrames: restartFrames,
    });
    expect(checkpointer).not.toBeNull();
    await checkpointer?.ready;
    // The engine thread no longer checkpoints inside its commits.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare('INSERT INTO blobs VALUES (?)');
    const commits = 4000;
    let held = 0;
    for (let i = 0; i < commits; i++) {
      const hold = checkpointer?.commitsHeld ?? null;
      if (hold !== null) {
        held += 1;
        await hold;
      }
      insert.run(Buffer.alloc(PAGE, i % 251));
      await new Promise((r) => setImmediate(r));
    }
    await checkpointer?.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(ownThreshold);
    expect(held).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: commits });
    // Each commit writes at least two pages (the row's overflow page and the table's leaf): without a
    // restart the log would still hold every one of them. With restarts, only those since the last one
    // (how many depends on how promptly the worker is scheduled, so the bound is loose).
    const [current] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(current?.log).toBeLessThan((2 * commits) / 4);
  }, 60_000);

  it('never fails a transaction that reads then writes (as the sealer does) while it checkpoints', async () => {
    const checkpointer = WalCheckpointer.start(db, silentLogger, {
      tickMs: 2,
      busyFrames: 4,
      idleIntervalMs: 5,
      restartFrames: 50,
      quietMs: 0,
      hardRestartFrames: 50,
    });
    await checkpointer?.ready;
    const count = db.prepare('SELECT count(*) AS n FROM blobs');
    const insert = db.prepare('INSERT INTO blobs VALUES (?)');
    // Deferred: the read takes a snapshot, the write must find it current (SQLITE_BUSY otherwise).
    const readThenWrite = db.transaction(() => {
      const { n } = count.get() as { n: number };
      insert.run(Buffer.alloc(PAGE, n % 251));
    });
    try {
      for (let i = 0; i < 2000; i++) {
        readThenWrite();
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await checkpointer?.stop();
    }
    expect(db.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: 2000 });
  }, 60_000);

  it('flushes the log of a WAL index, in the thread pool or blocking, and refuses once closed', async () => {
    const durability = IndexDurability.open(db, silentLogger);
    try {
      expect(durability.deferred).toBe(true);
      db.prepare('INSERT INTO blobs VALUES (?)').run(Buffer.alloc(10));
      await durability.sync();
      durability.syncBlocking();
      expect(durability.commitsHeld).toBeNull();
    } finally {
      await durability.close();
    }
    await expect(durability.sync()).rejects.toMatchObject({ code: 'E_SHUTTING_DOWN' });
  });

  it('falls back to fsynced commits for an index without a write-ahead log', async () => {
    const file = path.join(tmp.dir, 'rollback.sqlite');
    const rollback = new BetterSqlite3(file);
    try {
      rollback.pragma('journal_mode = DELETE');
      expect(WalSyncer.forDatabase(rollback)).toBeNull();
      expect(WalCheckpointer.start(rollback, silentLogger)).toBeNull();
      const durability = IndexDurability.open(rollback, silentLogger);
      expect(durability.deferred).toBe(false);
      await durability.sync();
      await durability.close();
    } finally {
      rollback.close();
    }
  });
});
