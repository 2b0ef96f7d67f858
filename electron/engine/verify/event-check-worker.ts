// Checks of stored events' content in a worker thread (see event-checks.ts for why): each row of the
// asked seq range read from the worker's own read-only connection and checked as the engine thread would
// (event-content.ts).
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { EVENT_ROW_COLUMNS, eventContentFailures } from './event-content.ts';
import type { EventRow } from './event-content.ts';
import type { EventCheckReply, EventCheckRequest, EventCheckWorkerData } from './event-checks.ts';

const port = parentPort;
if (port === null) throw new Error('event-check-worker runs as a worker thread');
const data = workerData as EventCheckWorkerData;
const key = Buffer.from(data.key);
let db: BetterSqlite3.Database | null = null;

function check(request: EventCheckRequest): EventCheckReply {
  db ??= new BetterSqlite3(data.indexPath, { readonly: true, fileMustExist: true });
  const rows = db
    .prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_ROW_COLUMNS} FROM events
       WHERE session_id = ? AND seq BETWEEN ? AND ? AND length(payload_ct) > 0 ORDER BY seq`,
    )
    .iterate(request.sessionId, request.fromSeq, request.toSeq);
  const checked: number[] = [];
  const failures: [number, string, string][] = [];
  for (const row of rows) {
    checked.push(row.seq);
    for (const f of eventContentFailures(row, key)) failures.push([row.seq, f.code, f.message]);
  }
  return { id: request.id, ok: true, checked: Int32Array.from(checked), failures };
}

port.on('message', (request: EventCheckRequest | 'close') => {
  if (request === 'close') {
    key.fill(0);
    db?.close();
    port.close();
    return;
  }
  let reply: EventCheckReply;
  try {
    reply = check(request);
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
