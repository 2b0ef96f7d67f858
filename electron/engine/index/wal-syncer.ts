import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { AevError } from '../../common/errors.ts';

/**
 * Flushes the index's write-ahead log to disk off the event loop (libuv's thread pool).
 *
 * Why this is as durable as SQLite's synchronous=FULL: in WAL mode, FULL differs from NORMAL only in
 * one fsync of the -wal file after each commit (sqlite.org/pragma.html#pragma_synchronous; the
 * checkpoint and WAL-restart syncs happen in both). A transaction committed under NORMAL has already
 * written all its frames to the -wal file with write(2) when `COMMIT` returns; an fdatasync(2) of that
 * file started afterwards puts those frames, and the file size they need, on stable storage. WAL
 * recovery replays every frame up to the last valid commit frame, so once that fdatasync returns the
 * transaction survives a crash or power loss exactly as if SQLite had synced it. libuv uses
 * F_FULLFSYNC on macOS (stronger than SQLite's default there) and FlushFileBuffers on Windows.
 *
 * The -wal file is the same inode for as long as the engine's connection is open: SQLite deletes it
 * only when the last connection closes, and restarts it in place (overwriting from the start).
 * A sync still checks the path against the open file at least once a second, so a replaced file would
 * be synced too.
 *
 * Each acknowledgement waits for one of these syncs, so a sync is one trip through libuv's pool: the
 * callback `fdatasync` on the open descriptor, with the path's `stat` beside it only when the last check
 * is a second old (a `stat` beside every sync, both through `fs/promises`, was a second trip per flush and
 * ~0.2 ms more at the median: docs/performance.md, "The ack tail, session 8").
 */
export class WalSyncer {
  readonly #path: string;
  /** The open log (opened once, by whichever sync comes first). */
  #file: Promise<{ readonly handle: FileHandle; readonly ino: number }> | null = null;
  /** performance.now() of the last check of the path against the open file. */
  #checkedAt = -Infinity;
  /** Syncs of the open descriptor in progress. */
  readonly #syncing = new Set<Promise<void>>();
  #closed = false;

  private constructor(walPath: string) {
    this.#path = walPath;
  }

  /** A syncer for `db`'s write-ahead log, or null when the database is not in WAL mode. */
  static forDatabase(db: Database): WalSyncer | null {
    const mode = String(db.pragma('journal_mode', { simple: true }));
    if (mode.toLowerCase() !== 'wal' || db.memory) return null;
    return new WalSyncer(`${db.name}-wal`);
  }

  /** Resolves once everything written to the log before the call is on stable storage. */
  async sync(): Promise<void> {
    const { handle, ino } = await this.#open();
    const now = performance.now();
    if (now - this.#checkedAt < PATH_CHECK_MS) return this.#datasync(handle.fd);
    this.#checkedAt = now;
    // The open file must still be the log SQLite writes; if not (it cannot be while the engine's
    // connection is open, see above), the one that is gets synced too. Checked alongside the sync, so
    // the check costs no time on the acknowledgement path.
    const [, current] = await Promise.all([this.#datasync(handle.fd), fsp.stat(this.#path)]);
    if (current.ino === ino) return;
    await this.#closeFile();
    await this.#datasync((await this.#open()).handle.fd);
  }

  /** The same as `sync`, blocking the thread: for shutdown, when nothing else is left to do. */
  syncBlocking(): void {
    const fd = fs.openSync(this.#path, openFlags());
    try {
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes the file once every sync in progress on it has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#closeFile();
  }

  #open(): Promise<{ readonly handle: FileHandle; readonly ino: number }> {
    if (this.#closed) return Promise.reject(new AevError('E_SHUTTING_DOWN', 'the index is closing'));
    // Opened lazily: the log exists once the first transaction has been committed in WAL mode.
    this.#file ??= fsp
      .open(this.#path, openFlags())
      .then(async (handle) => ({ handle, ino: (await handle.stat()).ino }));
    return this.#file;
  }

  /** fdatasync of `fd`, tracked: the descriptor is closed only once none is in progress on it. */
  async #datasync(fd: number): Promise<void> {
    const done = datasync(fd);
    this.#syncing.add(done);
    try {
      await done;
    } finally {
      this.#syncing.delete(done);
    }
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    // Once the file is open, every sync that was waiting for it has started (they awaited it first);
    // FileHandle.close waits only for operations made through the handle, and these use its descriptor.
    const opened = await file?.catch(() => null);
    await Promise.allSettled([...this.#syncing]);
    await opened?.handle.close();
  }
}

/** How often, at most, a sync also checks that the path still names the open file. */
const PATH_CHECK_MS = 1000;

/**
 * fdatasync(2) of `fd` in libuv's pool, through the callback API: FileHandle.datasync costs a promise
 * and a handle reference more per call, on the path every acknowledgement waits for.
 */
function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fdatasync(fd, (error) => {
      if (error === null) resolve();
      else reject(error);
    });
  });
}

/** Read-only is enough for fsync on POSIX; Windows' FlushFileBuffers needs a handle with write access. */
function openFlags(): string {
  return process.platform === 'win32' ? 'r+' : 'r';
}
