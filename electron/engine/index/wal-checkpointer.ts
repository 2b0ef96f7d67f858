import type { Database } from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../runtime/logger.ts';
import { workerBeside } from '../runtime/worker-path.ts';

export interface CheckpointWorkerData {
  readonly file: string;
  readonly tickMs: number;
  /** A log this long (in frames) is checkpointed every tick; a shorter one at most every idleIntervalMs. */
  readonly busyFrames: number;
  readonly idleIntervalMs: number;
  /**
   * A log this long is restarted from its beginning (the engine's event commits are held meanwhile) once
   * no commit has come for quietMs; one of hardRestartFrames is restarted even under load.
   */
  readonly restartFrames: number;
  readonly quietMs: number;
  readonly hardRestartFrames: number;
}

export type ToCheckpointWorker = { readonly type: 'restart' } | { readonly type: 'stop' };
export type FromCheckpointWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'restart-wanted'; readonly frames: number }
  | { readonly type: 'restarted'; readonly complete: boolean; readonly frames: number }
  | { readonly type: 'failed'; readonly message: string };

const DEFAULTS = {
  tickMs: 250,
  busyFrames: 1024,
  idleIntervalMs: 2000,
  // 16 MiB of 4 KiB pages (what SQLite's own checkpoints kept it at before, wal_autocheckpoint),
  // restarted in the first half-second pause of ingest; 64 MiB at most under sustained load (each
  // single-event commit adds 4 to 6 pages, so 1,000 events/s grow the log by ~17 MB/s).
  restartFrames: 4096,
  quietMs: 500,
  hardRestartFrames: 16_384,
};
/** Longest the engine's commits wait for a log restart before going on regardless. */
const HOLD_LIMIT_MS = 500;

/**
 * Checkpoints the index's write-ahead log from a worker thread, so the engine's thread never waits for
 * one. SQLite's automatic checkpoint runs inside whichever commit crosses the threshold: it copies the
 * log into the database file and fsyncs both, a stall of tens of milliseconds in the middle of ingest.
 * Here a worker with its own connection runs PASSIVE checkpoints, which never block the engine's
 * readers or writers and write nothing themselves. The log restarts from its beginning (instead of
 * growing) at the first commit after a checkpoint that copied all of it, which a busy writer never
 * lets happen; so when the log has grown long, the engine's event commits are held (`commitsHeld`)
 * for the one pass that copies the rest (its two fsyncs, none when nothing was left), preferably at a
 * quiet moment, so an agent almost never waits for it. That next commit also syncs the new log header.
 * If the worker fails, checkpointing falls back to SQLite's automatic one on the engine's thread.
 */
export class WalCheckpointer {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  /** The connection's automatic checkpoint threshold before this took over, restored after. */
  readonly #autocheckpoint: number;
  #hold: { readonly promise: Promise<void>; readonly release: () => void } | null = null;
  #holdTimer: NodeJS.Timeout | undefined;
  #running = true;
  readonly #ready = Promise.withResolvers<undefined>();

  private constructor(db: Database, logger: Logger, options: typeof DEFAULTS) {
    this.#db = db;
    this.#logger = logger;
    const workerData: CheckpointWorkerData = { file: db.name, ...options };
    this.#worker = new Worker(workerBeside(import.meta.url, 'wal-checkpoint-worker'), { workerData });
    this.#worker.unref();
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        if (this.#running) this.#fail(`the worker exited with code ${String(code)}`);
        resolve();
      });
    });
    this.#worker.on('message', (m: FromCheckpointWorker) => {
      this.#onMessage(m);
    });
    this.#worker.on('error', (error: Error) => {
      this.#fail(error.message);
    });
    this.#autocheckpoint = Number(db.pragma('wal_autocheckpoint', { simple: true }));
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Starts checkpointing `db` off-thread; null when the database has no write-ahead log. */
  static start(db: Database, logger: Logger, options: Partial<typeof DEFAULTS> = {}): WalCheckpointer | null {
    const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (mode !== 'wal' || db.memory) return null;
    return new WalCheckpointer(db, logger, { ...DEFAULTS, ...options });
  }

  /** Resolves once the worker has opened the index and checkpoints (or has failed and handed back). */
  get ready(): Promise<undefined> {
    return this.#ready.promise;
  }

  /** While non-null, event commits wait for it: the log is being restarted. */
  get commitsHeld(): Promise<void> | null {
    return this.#hold?.promise ?? null;
  }

  /** Stops the worker (after the checkpoint it may be in) and releases any hold. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#release();
    // Unreferenced so it never keeps a process alive on its own; referenced again to wait for its exit.
    this.#worker.ref();
    this.#worker.postMessage({ type: 'stop' } satisfies ToCheckpointWorker);
    await this.#exited;
    this.#restoreAutocheckpoint();
  }

  #onMessage(m: FromCheckpointWorker): void {
    switch (m.type) {
      case 'ready':
        this.#ready.resolve(undefined);
        return;
      case 'restart-wanted': {
        if (!this.#running) return;
        // Runs between two turns of the engine's thread, so no event commit is half done: from here
        // on they wait, and the worker may take the whole log.
        const { promise, resolve } = Promise.withResolvers<undefined>();
        this.#hold = {
          promise,
          release: () => {
            resolve(undefined);
          },
        };
        this.#holdTimer = setTimeout(() => {
          this.#logger.warn('index log restart is slow; event commits go on', { frames: m.frames });
          this.#release();
        }, HOLD_LIMIT_MS);
        this.#worker.postMessage({ type: 'restart' } satisfies ToCheckpointWorker);
        return;
      }
      case 'restarted':
        this.#release();
        return;
      case 'failed':
        this.#fail(m.message);
        return;
    }
  }

  #release(): void {
    clearTimeout(this.#holdTimer);
    const hold = this.#hold;
    this.#hold = null;
    hold?.release();
  }

  #fail(message: string): void {
    this.#release();
    this.#ready.resolve(undefined);
    if (!this.#running) return;
    this.#running = false;
    this.#logger.error('index checkpointer failed; checkpointing on the engine thread', { error: message });
    void this.#worker.terminate();
    this.#restoreAutocheckpoint();
  }

  #restoreAutocheckpoint(): void {
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${String(this.#autocheckpoint)}`);
  }
}
