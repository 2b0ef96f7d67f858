// One export or one bundle verification in a process of its own, for bench/export-verify.ts: `aev export`
// and `aev verify BUNDLE` are commands, each run in a fresh process. Measured in the process that had
// just built the synthetic hour (~1.4 GB of heap and the recording's leftovers), the same export took
// 10.1 CPU s against 6.3 here. `node bench/export-verify-child.ts JOB` (JSON); prints one JSON line.
import fs from 'node:fs';
import os from 'node:os';
import { exportBundle } from '../electron/engine/export/export-bundle.ts';
import type { ExportOptions } from '../electron/engine/export/export-bundle.ts';
import { verifyBundle } from '../electron/engine/verify/bundle/verify-bundle.ts';

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

/** CPU seconds of this process's waited-for children (proc(5): cutime + cstime, in 1/100 s). */
function childrenCpuSeconds(): number {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function timed<R>(work: () => Promise<R>): Promise<{ times: ChildTimes; r: R }> {
  const load = os.loadavg()[0] ?? Number.NaN;
  const cpu0 = process.cpuUsage();
  const engine0 = process.threadCpuUsage();
  const children0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = await work();
  const s = (performance.now() - t0) / 1000;
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
