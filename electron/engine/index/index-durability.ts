import type { Database } from 'better-sqlite3';
import type { Logger } from '../runtime/logger.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';
import { WalSyncer } from './wal-syncer.ts';

/**
 * How the engine makes index commits durable without its thread waiting on the disk: commits are
 * written without an fsync, `sync` flushes the write-ahead log in the thread pool (WalSyncer), and a
 * worker checkpoints the log (WalCheckpointer). An index without a write-ahead log (a file system
 * where SQLite cannot use WAL) falls back to fsync'd commits: `deferred` is then false.
 */
export class IndexDurability {
  readonly #syncer: WalSyncer | null;
  readonly #checkpointer: WalCheckpointer | null;

  private constructor(syncer: WalSyncer | null, checkpointer: WalCheckpointer | null) {
    this.#syncer = syncer;
    this.#checkpointer = checkpointer;
  }

  static open(db: Database, logger: Logger): IndexDurability {
    const syncer = WalSyncer.forDatabase(db);
    return new IndexDurability(syncer, syncer === null ? null : WalCheckpointer.start(db, logger));
  }

  /** True: commits may skip their fsync, and are durable once `sync` resolves. */
  get deferred(): boolean {
    return this.#syncer !== null;
  }

  /** Resolves once every transaction committed before the call is on stable storage. */
  sync(): Promise<void> {
    return this.#syncer?.sync() ?? Promise.resolve();
  }

  /** The same, blocking the thread: for shutdown. */
  syncBlocking(): void {
    this.#syncer?.syncBlocking();
  }

  /** While non-null, event commits wait for it (the write-ahead log is being restarted). */
  get commitsHeld(): Promise<void> | null {
    return this.#checkpointer?.commitsHeld ?? null;
  }

  /** Stops the checkpointer and closes the log; the connection goes back to SQLite's own checkpoints. */
  async close(): Promise<void> {
    await this.#checkpointer?.stop();
    await this.#syncer?.close();
  }
}
