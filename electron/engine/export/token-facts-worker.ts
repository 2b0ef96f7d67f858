// The exporter's token checks for report.html on their own thread (token-facts.ts says why): one answer,
// then the thread ends.
import { parentPort, workerData } from 'node:worker_threads';
import { runInBackground } from '../runtime/background-thread.ts';
import { checkTokenFacts } from './token-facts.ts';
import type { TokenFactsWork } from './token-facts.ts';

if (parentPort === null) throw new Error('token-facts-worker runs as a worker thread');
const work = workerData as TokenFactsWork;
// Needed only when report.html is made, at the end: the export's other threads go first.
runInBackground();
parentPort.postMessage(checkTokenFacts(work.tokens, work.trustPem));
