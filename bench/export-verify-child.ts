// One export or one bundle verification in a process of its own, for bench/export-verify.ts: `aev export`
// and `aev verify BUNDLE` are commands, each run in a fresh process. Measured in the process that had
// just built the synthetic hour (~1.4 GB of heap and the recording's leftovers), the same export took
// 10.1 CPU s against 6.3 here. Like the commands, it runs the compiled build (dist/, `npm run build`):
// from the TypeScript sources every worker thread the export starts would strip types before its first
// read (~0.15 s each at its start, measured). `node bench/export-verify-child.ts JOB` (JSON); prints one
// JSON line.
import fs from 'node:fs';
import os from 'node:os';
import type * as ExportModule from '../electron/engine/export/export-bundle.ts';
import type { ExportOptions } from '../electron/engine/export/export-bundle.ts';
import type * as VerifyModule from '../electron/engine/verify/bundle/verify-bundle.ts';
import { procCpu } from './proc-stat.ts';

const DIST = new URL('../dist/electron/engine/', import.meta.url);
const { exportBundle } = (await import(new URL('export/export-bundle.js', DIST).href)) as typeof ExportModule;
const { verifyBundle } = (await import(new URL('verify/bundle/verify-bundle.js', DIST).href)) as typeof VerifyModule;

export type ChildJob =
  | { readonly kind: 'export'; readonly options: Omit<ExportOptions, 'env'>; readonly noFfmpeg: boolean }
  | { readonly kind: 'verify'; readonly file: string; readonly identityFile: string };

export interface ChildTimes {
  /** Seconds of the library call alone (module loading and Node's start-up not included). */
  readonly s: number;
  /** CPU seconds of this process during the call: all its threads, user + system. */
  readonly cpu: number;
  /** CPU seconds of the calling (engine) thread alone. */
  readonly engineCpu: number;
  /** CPU seconds of waited-for children (ffmpeg), from /proc/self/stat; NaN without /proc. */
  readonly childrenCpu: number;
  readonly load: number;
  readonly maxRssMiB: number;
  /** System (kernel) CPU seconds of the process during the call, part of `cpu`. */
  readonly systemCpu: number;
  /** CPU seconds per thread name during the call (Linux, /proc/self/task; empty elsewhere). */
  readonly threads: Readonly<Record<string, number>>;
}

/** CPU seconds so far of each thread of this process, by thread id. */
function threadTicks(): Map<string, { readonly name: string; readonly s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const { name, own } = procCpu(`/proc/self/task/${tid}/stat`);
      out.set(tid, { name, s: own });
    }
  } catch {
    // Not Linux, or a thread ended while being read: the breakdown is a diagnostic only.
  }
  return out;
}

/**
 * CPU seconds per thread between two readings, summed by name. Worker threads are numbered in the order
 * they started (the export starts its writer, token and reader threads in that order). `after` holds each
 * thread's last reading, taken every 100 ms: a thread that ended between two loses at most that much.
 */
function threadSeconds(
  before: ReturnType<typeof threadTicks>,
  after: ReturnType<typeof threadTicks>,
): Record<string, number> {
  const out: Record<string, number> = {};
  let workers = 0;
  for (const [tid, t] of [...after].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const name = t.name === 'WorkerThread' ? `worker ${String(++workers)}` : t.name;
    const s = t.s - (before.get(tid)?.s ?? 0);
    if (s >= 0.01) out[name] = Math.round(((out[name] ?? 0) + s) * 100) / 100;
  }
  return out;
}

export type ChildResult =
  | (ChildTimes & {
      readonly kind: 'export';
      readonly clipNote: string | null;
      readonly files: number;
      readonly records: number;
      readonly tokens: number;
    })
  | (ChildTimes & {
      readonly kind: 'verify';
      readonly ok: boolean;
      readonly items: number;
      readonly failed: readonly unknown[];
    });

/** CPU seconds of this process's waited-for children; NaN without /proc. */
function childrenCpuSeconds(): number {
  try {
    return procCpu('/proc/self/stat').children;
  } catch {
    return Number.NaN;
  }
}

async function timed<R>(work: () => Promise<R>): Promise<{ times: ChildTimes; r: R }> {
  const load = os.loadavg()[0] ?? Number.NaN;
  const cpu0 = process.cpuUsage();
  const engine0 = process.threadCpuUsage();
  const children0 = childrenCpuSeconds();
  const threads0 = threadTicks();
  const last = new Map(threads0);
  const sample = () => {
    for (const [tid, t] of threadTicks()) last.set(tid, t);
  };
  const sampler = setInterval(sample, 100);
  const t0 = performance.now();
  const r = await work();
  const s = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  sample();
  const threads = threadSeconds(threads0, last);
  const cpu = process.cpuUsage(cpu0);
  const engine = process.threadCpuUsage(engine0);
  return {
    r,
    times: {
      s,
      cpu: (cpu.user + cpu.system) / 1e6,
      engineCpu: (engine.user + engine.system) / 1e6,
      childrenCpu: childrenCpuSeconds() - children0,
      load,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      systemCpu: cpu.system / 1e6,
      threads,
    },
  };
}

async function run(job: ChildJob): Promise<ChildResult> {
  if (job.kind === 'export') {
    // AEV_FFMPEG pointing nowhere: the exporter writes everything but clip.mp4 (its note says why).
    const env = job.noFfmpeg ? { ...process.env, AEV_FFMPEG: '/nonexistent/ffmpeg' } : process.env;
    const { times, r } = await timed(() => exportBundle({ ...job.options, env }));
    return {
      kind: 'export',
      ...times,
      clipNote: r.clipNote,
      files: r.files,
      records: r.sessions.reduce((n, s) => n + s.content.length + s.context.length, 0),
      tokens: r.sessions.reduce((n, s) => n + s.tokens, 0),
    };
  }
  const { times, r } = await timed(() =>
    verifyBundle({ file: job.file, identityFile: job.identityFile, env: process.env }),
  );
  const failed = r.items.filter((i) => i.status !== 'pass');
  return { kind: 'verify', ...times, ok: r.ok, items: r.items.length, failed: failed.slice(0, 5) };
}

const arg = process.argv[2];
if (arg !== undefined) process.stdout.write(`${JSON.stringify(await run(JSON.parse(arg) as ChildJob))}\n`);
