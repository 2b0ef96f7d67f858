// The index's checkpointer, in a worker thread with its own connection (see wal-checkpointer.ts for why).
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointWorkerData, FromCheckpointWorker, ToCheckpointWorker } from './wal-checkpointer.ts';

interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

const options = workerData as CheckpointWorkerData;
const port = parentPort;
if (port === null) throw new Error('wal-checkpoint-worker runs as a worker thread');

const db = new BetterSqlite3(options.file);
// NORMAL: checkpoints still sync the log and the database file, and a restarted log's new header is
// synced before anything follows it; only the commit of the empty write below skips its sync (it holds
// nothing, and the engine's next flush covers it), which keeps the engine's commits held one fsync less.
db.pragma('synchronous = NORMAL');
db.pragma(`busy_timeout = ${String(options.busyTimeoutMs)}`);
db.pragma('wal_autocheckpoint = 0');
const dataVersion = db.prepare<[], { data_version: number }>('PRAGMA data_version');
// Rewrites user_version unchanged: the smallest write there is, enough to make this connection the one
// that restarts the log (and syncs its new header) instead of the engine's thread.
const rewriteUserVersion = db.transaction(() => {
  const version = Number(db.pragma('user_version', { simple: true }));
  db.pragma(`user_version = ${String(version)}`);
});

let seenVersion = -1;
let lastCheckpointMs = 0;
let lastLog = 0;
let restartPending = false;

function post(message: FromCheckpointWorker): void {
  port?.postMessage(message);
}

function checkpoint(mode: 'PASSIVE' | 'RESTART'): CheckpointResult {
  const [row] = db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[];
  lastCheckpointMs = Date.now();
  lastLog = row?.log ?? 0;
  return row ?? { busy: 1, log: 0, checkpointed: 0 };
}

function tick(): void {
  if (restartPending) return;
  const version = dataVersion.get()?.data_version ?? 0;
  if (version === seenVersion) return;
  // A quiet index is checkpointed now and then; a busy one often, so each pass copies little.
  if (lastLog < options.busyFrames && Date.now() - lastCheckpointMs < options.idleIntervalMs) return;
  seenVersion = version;
  const r = checkpoint('PASSIVE');
  if (r.log >= options.restartFrames) {
    restartPending = true;
    post({ type: 'restart-wanted', frames: r.log });
  }
}

function restart(): void {
  let busy = true;
  let frames = 0;
  try {
    const r = checkpoint('RESTART');
    frames = r.log;
    if (r.busy === 0) rewriteUserVersion.immediate();
    busy = r.busy !== 0;
  } finally {
    restartPending = false;
    seenVersion = -1;
    post({ type: 'restarted', busy, frames });
  }
}

/** Runs one step; a busy database is tried again next time, anything else ends checkpointing here. */
function guarded(step: () => void): void {
  try {
    step();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return;
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
}

const timer = setInterval(() => {
  guarded(tick);
}, options.tickMs);
post({ type: 'ready' });

port.on('message', (message: ToCheckpointWorker) => {
  switch (message.type) {
    case 'restart':
      guarded(restart);
      return;
    case 'stop':
      clearInterval(timer);
      db.close();
      port.close();
      return;
  }
});
