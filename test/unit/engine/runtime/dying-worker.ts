// A worker for worker-pool.test.ts: echoes a request's id with its own thread id, never answers 'hang',
// and stops the thread with exit code 3 on 'die' (what a crash in a real worker looks like to the pool).
import { parentPort, threadId } from 'node:worker_threads';

export interface DyingRequest {
  readonly id: number;
  readonly op: 'echo' | 'hang' | 'die';
}

export interface DyingReply {
  readonly id: number;
  readonly threadId: number;
}

const port = parentPort;
if (port === null) throw new Error('dying-worker runs as a worker thread');
port.on('message', (request: DyingRequest | 'close') => {
  if (request === 'close') process.exit(0);
  if (request.op === 'die') process.exit(3);
  if (request.op === 'echo') port.postMessage({ id: request.id, threadId } satisfies DyingReply);
});
