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
 * Each sync still checks the path against the open file, so a replaced file is synced too.
 */
export class WalSyncer {
  readonly #path: string;
  /** The open log (opened once, by whichever sync comes first). */
  #file: Promise<{ readonly handle: FileHandle; readonly ino: number }> | null = null;
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
    // The open file must still be the log SQLite writes; if not (it cannot be while the engine's
    // connection is open, see above), the one that is gets synced too. Checked alongside the sync, so
    // the check costs no time on the acknowledgement path.
    const [, now] = await Promise.all([handle.datasync(), fsp.stat(this.#path)]);
    if (now.ino === ino) return;
    await this.#closeFile();
    await (await this.#open()).handle.datasync();
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

  /** Closes the file once any sync in progress has finished (FileHandle.close waits for it). */
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

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    await file?.then(
      ({ handle }) => handle.close(),
      () => undefined,
    );
  }
}

/** Read-only is enough for fsync on POSIX; Windows' FlushFileBuffers needs a handle with write access. */
function openFlags(): string {
  return process.platform === 'win32' ? 'r+' : 'r';
}
