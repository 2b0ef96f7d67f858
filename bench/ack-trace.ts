// Where an ack's time goes (issue #2, docs/performance.md "Where an ack's tail goes"): a compiled
// `aev daemon` with AEV_TRACE_ACKS on, an open-loop client at `--rate` events/s, and each client ack
// split into before (socket read to submit), in the queue (submit to acknowledged; of it, the flush of
// the log) and after (answer to client), with the engine thread's collections, log-restart holds and
// sealing passes on the same time line. `node bench/ack-trace.ts [--rate 1000] [--seconds 10]
// [--node-arg=--some-v8-flag]…` (flags for the daemon's node, for collector experiments).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AckSpan, AckTraceFile } from '../electron/engine/ingest/ack-trace.ts';
import { startBenchDaemon } from './bench-daemon.ts';
import { percentile } from './bench-table.ts';
import type { ClientAck } from './ingest.ts';
import { ACK_WARMUP_S, openLoopAcks } from './ingest.ts';

const SLOW_MS = 2;

function row(name: string, values: number[]): string {
  const v = values.sort((a, b) => a - b);
  const f = (p: number) => `${percentile(v, p).toFixed(2).padStart(7)} ms`;
  return `${name.padEnd(44)} ${f(50)} ${f(90)} ${f(99)}`;
}

/** The span of the first event the daemon took at or after the client sent (events keep their order). */
function spanFor(spans: readonly AckSpan[], submittedAt: readonly number[], sentAt: number): AckSpan | undefined {
  let lo = 0;
  let hi = submittedAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((submittedAt[mid] ?? Infinity) < sentAt) lo = mid + 1;
    else hi = mid;
  }
  return spans[lo];
}

function report(trace: AckTraceFile, acks: readonly ClientAck[]): void {
  const o = trace.origin;
  const spans = trace.spans.filter((s) => s.acknowledged !== null && s.flushEnded !== null && s.flushStarted !== null);
  const submittedAt = spans.map((s) => o + s.submitted);
  const parts = { whole: [] as number[], before: [] as number[], queue: [] as number[], after: [] as number[] };
  const flushes = new Map<number, number>();
  const slow = new Map<string, number>();
  for (const a of acks) {
    const s = spanFor(spans, submittedAt, a.sentAt);
    if (s === undefined) continue;
    const before = o + s.submitted - a.sentAt;
    const queue = (s.acknowledged ?? 0) - s.submitted;
    const flush = (s.flushEnded ?? 0) - (s.flushStarted ?? 0);
    parts.whole.push(a.ms);
    parts.before.push(before);
    parts.queue.push(queue);
    parts.after.push(a.sentAt + a.ms - (o + (s.acknowledged ?? 0)));
    flushes.set(s.flushStarted ?? 0, flush);
    if (a.ms <= SLOW_MS) continue;
    const [longest] = [
      ['before', before],
      ['commit', (s.committed ?? s.submitted) - s.submitted],
      ['flush', flush],
    ].sort((x, y) => Number(y[1]) - Number(x[1]));
    const end = a.sentAt + a.ms;
    const during = [
      ...new Set(trace.marks.filter(([, from, to]) => o + from < end && o + to > a.sentAt).map(([k]) => k)),
    ].sort();
    const key = `${String(longest?.[0])} longest${during.length > 0 ? `, during ${during.join('+')}` : ''}`;
    slow.set(key, (slow.get(key) ?? 0) + 1);
  }
  console.log(`${''.padEnd(44)} ${'p50'.padStart(10)} ${'p90'.padStart(10)} ${'p99'.padStart(10)}`);
  console.log(row(`whole ack, client (${parts.whole.length} acks)`, parts.whole));
  console.log(row('before: socket -> submit', parts.before));
  console.log(row('in the queue: submit -> acknowledged', parts.queue));
  console.log(row(`  one flush of the log (${flushes.size})`, [...flushes.values()]));
  console.log(row('after: answer -> client', parts.after));
  const t0 = (acks[0]?.sentAt ?? 0) - o;
  const t1 = (acks.at(-1)?.sentAt ?? 0) - o;
  for (const kind of ['gc', 'hold', 'seal'] as const) {
    const d = trace.marks
      .filter(([k, from]) => k === kind && from >= t0 && from <= t1)
      .map(([, from, to]) => to - from)
      .sort((a, b) => a - b);
    const total = d.reduce((n, x) => n + x, 0);
    console.log(
      `${kind.padEnd(5)} ${String(d.length).padStart(4)} × p50 ${percentile(d, 50).toFixed(2)} ms, max ${(d.at(-1) ?? 0).toFixed(2)} ms, ${total.toFixed(0)} ms in all`,
    );
  }
  const over = [...slow.values()].reduce((n, x) => n + x, 0);
  console.log(`acks over ${SLOW_MS} ms: ${over} (${((100 * over) / Math.max(1, acks.length)).toFixed(1)}%)`);
  for (const [key, n] of [...slow].sort((a, b) => b[1] - a[1]).slice(0, 8))
    console.log(`  ${String(n).padStart(6)}  ${key}`);
  if (trace.dropped > 0) console.log(`(${trace.dropped} events past the trace's limit were not traced)`);
}

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    // Flags for the daemon's node (V8 experiments), e.g. --node-arg=--no-decommit-pooled-pages.
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
if (!(rate > 0 && seconds > 0)) throw new Error('--rate and --seconds must be positive numbers');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-ack-trace-'));
const file = path.join(dir, 'trace.json');
const daemon = await startBenchDaemon({ AEV_TRACE_ACKS: file }, values['node-arg']);
let acks: ClientAck[];
try {
  acks = await openLoopAcks(daemon.socketPath, rate, seconds);
} finally {
  await daemon.stop();
}
const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as AckTraceFile;
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `${rate} events/s for ${seconds} s after ${ACK_WARMUP_S} s of warm-up; load ${os.loadavg()[0]?.toFixed(2)}`,
);
report(trace, acks);
