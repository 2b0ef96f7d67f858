// The index's checkpointer, in a worker thread with its own connection (see wal-checkpointer.ts for why).
// It only ever runs PASSIVE checkpoints: no lock the engine's writers wait for, and no write of its own
// (a write here would invalidate the snapshot of an engine transaction that has read and is about to
// write, which SQLite answers with SQLITE_BUSY at once, busy timeout or not).
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
// A checkpoint syncs the log before copying it and the database file after (NORMAL and FULL alike).
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');
const dataVersion = db.prepare<[], { data_version: number }>('PRAGMA data_version');

/** data_version when last seen, and when last checkpointed: they differ while the log has new frames. */
let seenVersion = -1;
let checkpointedVersion = -1;
let lastChangeMs = 0;
let lastCheckpointMs = 0;
/** Frames in the log at the last checkpoint. */
let lastLog = 0;
let restartPending = false;
/** data_version when the log was last copied whole: nothing to restart until the engine writes again. */
let finishedVersion = -2;

function post(message: FromCheckpointWorker): void {
  port?.postMessage(message);
}

function checkpoint(): CheckpointResult {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
  lastCheckpointMs = Date.now();
  lastLog = row?.log ?? 0;
  return row ?? { busy: 1, log: 0, checkpointed: 0 };
}

function tick(): void {
  if (restartPending) return;
  const now = Date.now();
  const version = dataVersion.get()?.data_version ?? 0;
  if (version !== seenVersion) {
    seenVersion = version;
    lastChangeMs = now;
  }
  // A quiet index is checkpointed now and then; a busy one often, so each pass copies little.
  const due = lastLog >= options.busyFrames || now - lastCheckpointMs >= options.idleIntervalMs;
  if (version !== checkpointedVersion && due) {
    checkpointedVersion = version;
    checkpoint();
  }
  // The log restarts (at the engine's next commit) only once all of it is in the database file: that
  // last pass runs with the engine's event commits held, at a quiet spell unless the log is very long.
  const quiet = now - lastChangeMs >= options.quietMs;
  const long = lastLog >= options.hardRestartFrames || (lastLog >= options.restartFrames && quiet);
  if (long && checkpointedVersion !== finishedVersion) {
    restartPending = true;
    post({ type: 'restart-wanted', frames: lastLog });
  }
}

/** With the engine's event commits held: copy the rest of the log, so its next commit restarts it. */
function finishLog(): void {
  let complete = false;
  let frames = 0;
  try {
    checkpointedVersion = dataVersion.get()?.data_version ?? 0;
    const r = checkpoint();
    frames = r.log;
    complete = r.busy === 0 && r.checkpointed === r.log;
    // The engine's next commit starts the log over; the checkpoint after it sees the new length.
    if (complete) finishedVersion = checkpointedVersion;
  } finally {
    restartPending = false;
    post({ type: 'restarted', complete, frames });
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
      guarded(finishLog);
      return;
    case 'stop':
      clearInterval(timer);
      db.close();
      port.close();
      return;
  }
});
