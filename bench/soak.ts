// Soak (issue 7 "Faults"): 8 agent sessions send tool events for a long time against one real
// `aev daemon` that also records the screen (Xvfb + ffmpeg x11grab, when available). Every few seconds
// the daemon's resident memory and open file descriptors are read from /proc; at the end every session
// is ended, every window must be sealed, and the store must verify. Exit 0 only when every check passes.
//
//   node bench/soak.ts [--seconds S] [--agents N] [--sample-ms MS] [--window-ms MS] [--screen auto|on|off]
//                      [--from-source] [--json FILE]
//
// --seconds defaults to AEV_SOAK_SECONDS, else 1800 (the 30-minute run); CI runs it for 60 s through
// test/integration/faults/soak.test.ts. Checks: no fd growth beyond --max-fd-growth (default 8) after
// warm-up, RSS trend after warm-up (median of the last quarter minus that of the first, so pages kept
// for reuse and given back do not count as growth) under --max-rss-growth-mb (default 50), growth of the live JS heap
// after full collections (V8's --trace-gc, set for the daemon) under --max-heap-growth-mb (default 20),
// status unsealedEvents 0,
// every acknowledged event stored, verify without failures (time-stamps off here: pending allowed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EndpointClient } from '../electron/engine/client/endpoint-client.ts';
import type { EngineStatus } from '../electron/common/model/status.ts';
import { runtimePaths } from '../electron/engine/runtime/data-root.ts';
import { verifyStore } from '../electron/engine/verify/verify-store.ts';
import { spawnReadyDaemon } from './bench-daemon.ts';
import { machineLine } from './bench-table.ts';
import { startBenchXvfb } from './bench-xvfb.ts';
import type { BenchXvfb } from './bench-xvfb.ts';
import { followGcTrace } from './soak/gc-trace.ts';
import { growthAfter, sampleProcess } from './soak/proc-sampler.ts';
import type { ProcSample } from './soak/proc-sampler.ts';

const PASSPHRASE = 'soak test passphrase';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    agents: { type: 'string', default: '8' },
    'sample-ms': { type: 'string', default: '5000' },
    'window-ms': { type: 'string', default: '2000' },
    screen: { type: 'string', default: 'auto' },
    'max-fd-growth': { type: 'string', default: '8' },
    'max-rss-growth-mb': { type: 'string', default: '50' },
    'max-heap-growth-mb': { type: 'string', default: '20' },
    'from-source': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
  strict: true,
});
const SECONDS = Number(values.seconds ?? process.env.AEV_SOAK_SECONDS ?? 1800);
const AGENTS = Number(values.agents);
const SAMPLE_MS = Number(values['sample-ms']);
const MAX_FD_GROWTH = Number(values['max-fd-growth']);
const MAX_RSS_GROWTH_KIB = Number(values['max-rss-growth-mb']) * 1024;
const MAX_HEAP_GROWTH_MIB = Number(values['max-heap-growth-mb']);
// Warm-up: V8's heap, SQLite's page cache and ffmpeg's pipes settle in the first part of a run.
const WARMUP_S = Math.min(120, Math.max(10, SECONDS * 0.25));

const has = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

/** Xvfb, or null when screen capture is off or Xvfb/ffmpeg are not installed. */
async function startXvfb(): Promise<BenchXvfb | null> {
  if (values.screen === 'off' || !has('Xvfb') || !has('ffmpeg')) {
    if (values.screen === 'on') throw new Error('--screen on needs Xvfb and ffmpeg on PATH');
    return null;
  }
  return startBenchXvfb('1280x720');
}

/** One agent: SessionStart, then Pre/Post tool-call pairs at a human-ish pace until `until`, then SessionEnd. */
async function agent(socketPath: string, n: number, untilMs: number, acked: { n: number; lost: string[] }) {
  const client = await EndpointClient.connect({ socketPath, api: 'ingest', client: 'test', timeoutMs: 10_000 });
  const sessionId = `soak-${n}-${Date.now()}`;
  const send = async (kind: string, extra: Record<string, unknown> = {}): Promise<void> => {
    const payload = { session_id: sessionId, hook_event_name: kind, cwd: '/tmp', ...extra };
    try {
      await client.sendEvent({ agent: 'claude-code', payload }, 10_000);
      acked.n++;
    } catch (error) {
      acked.lost.push(`${sessionId} ${kind}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await send('SessionStart');
  for (let i = 0; Date.now() < untilMs; i++) {
    const tool = { tool_name: 'Bash', tool_use_id: `toolu_${n}_${i}`, tool_input: { command: `ls ${i}` } };
    await send('PreToolUse', tool);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    await send('PostToolUse', { ...tool, tool_response: { stdout: 'x'.repeat(200 + (i % 50) * 40) } });
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
  }
  await send('SessionEnd', { reason: 'exit' });
  client.close();
}

async function status(socketPath: string): Promise<EngineStatus> {
  const c = await EndpointClient.connect({ socketPath, api: 'control', client: 'test', timeoutMs: 10_000 });
  try {
    return (await c.request('status', {}, 10_000)) as EngineStatus;
  } finally {
    c.close();
  }
}

/**
 * Growth of the live JS heap after warm-up: the highest figure in the last quarter of the run minus the
 * lowest in the quarter after warm-up (one full collection's figure moves by a few MiB either way).
 */
function liveHeapGrowth(
  samples: readonly ProcSample[],
  heap: readonly (number | null)[],
  fromS: number,
): number | null {
  const end = samples.at(-1)?.atS ?? 0;
  const span = end - fromS;
  const pick = (lo: number, hi: number): number[] =>
    samples.flatMap((s, i) => (s.atS >= lo && s.atS <= hi && typeof heap[i] === 'number' ? [heap[i]] : []));
  const early = pick(fromS, fromS + span / 4);
  const late = pick(end - span / 4, end);
  if (early.length === 0 || late.length === 0) return null;
  return Math.max(...late) - Math.min(...early);
}

async function main(): Promise<number> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-soak-'));
  const dataRoot = path.join(tmp, 'data');
  const passFile = path.join(tmp, 'pass');
  fs.writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const x = await startXvfb();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AEV_HOME: dataRoot,
    AEV_PASSPHRASE_FILE: passFile,
    AEV_KEYRING: 'off',
    AEV_HTTP_PORT: 'off',
    AEV_SCRYPT_LOG_N: '14',
    AEV_TSA_URLS: 'off',
    AEV_FROM_SOURCE: values['from-source'] ? '1' : '0',
    AEV_WINDOW_MS: values['window-ms'],
    AEV_SCREEN: x === null ? 'off' : 'on',
    AEV_SCREEN_GRACE_MS: '1000',
    ...(x === null ? {} : { DISPLAY: x.display }),
  };
  console.log(
    `soak: ${SECONDS} s, ${AGENTS} agents, screen ${x === null ? 'off (no Xvfb/ffmpeg)' : `on ${x.display}`}`,
  );
  console.log(`machine: ${machineLine()}`);
  // --trace-gc: the live JS heap after each full collection (gc-trace.ts), what tells a leak from pages kept.
  const daemon = await spawnReadyDaemon(env, 'pipe', ['--trace-gc']);
  const pid = daemon.pid ?? 0;
  if (daemon.stdout === null) throw new Error('the daemon has no stdout pipe');
  const gc = followGcTrace(daemon.stdout);
  const heap: (number | null)[] = [gc.liveMiB()];
  const socketPath = runtimePaths(dataRoot).socketPath;
  const acked = { n: 0, lost: [] as string[] };
  const started = Date.now();
  const samples: ProcSample[] = [sampleProcess(pid, 0, 0)];
  const sampler = setInterval(() => {
    samples.push(sampleProcess(pid, (Date.now() - started) / 1000, acked.n));
    heap.push(gc.liveMiB());
  }, SAMPLE_MS);
  const endAt = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: AGENTS }, (_, n) => agent(socketPath, n, endAt, acked)));
  clearInterval(sampler);
  samples.push(sampleProcess(pid, (Date.now() - started) / 1000, acked.n));
  heap.push(gc.liveMiB());

  // Every window sealed: wait for the last one to close (one window length plus sealing time).
  let final = await status(socketPath);
  const sealDeadline = Date.now() + Number(values['window-ms']) * 3 + 5000;
  while (final.sealing.unsealedEvents > 0 && Date.now() < sealDeadline) {
    await new Promise((r) => setTimeout(r, 250));
    final = await status(socketPath);
  }
  const exited = new Promise<number | null>((r) => daemon.once('exit', r));
  daemon.kill('SIGTERM');
  const exitCode = await exited;
  await x?.stop();
  const report = await verifyStore({
    dataRoot,
    keyring: null,
    passphrase: PASSPHRASE,
    sessions: 'all',
    trustPem: '',
    allowPending: true,
  });

  const growth = growthAfter(samples, WARMUP_S);
  const heapGrowth = liveHeapGrowth(samples, heap, growth.baseline.atS);
  console.log('   t (s)   RSS (MiB)   JS heap live (MiB)   fds   events acked');
  samples.forEach((s, i) => {
    const live = heap[i];
    console.log(
      `${s.atS.toFixed(1).padStart(8)}  ${(s.rssKiB / 1024).toFixed(1).padStart(10)}  ${(live === null || live === undefined ? '—' : live.toFixed(1)).padStart(19)}  ${String(s.fds).padStart(4)}  ${String(s.acked).padStart(13)}`,
    );
  });
  const failures = report.items.filter((i) => i.status === 'fail');
  const checks = [
    {
      name: `fd growth after ${WARMUP_S.toFixed(0)} s warm-up`,
      ok: growth.fdGrowth <= MAX_FD_GROWTH,
      value: `${growth.fdGrowth} (≤ ${MAX_FD_GROWTH})`,
    },
    {
      name: 'RSS trend after warm-up (median of the last quarter - median of the first)',
      ok: growth.rssTrendKiB < MAX_RSS_GROWTH_KIB,
      value: `${(growth.rssTrendKiB / 1024).toFixed(1)} MiB (< ${MAX_RSS_GROWTH_KIB / 1024}); highest RSS was ${(growth.rssGrowthKiB / 1024).toFixed(1)} MiB above the baseline`,
    },
    {
      name: `JS heap live after full GC, growth after warm-up (${gc.fullCollections()} full collections)`,
      // A short run may see no full collection after warm-up: not judged then; a long one must.
      ok: heapGrowth === null ? SECONDS < 600 : heapGrowth < MAX_HEAP_GROWTH_MIB,
      value: `${heapGrowth === null ? 'no full collection traced' : `${heapGrowth.toFixed(1)} MiB`} (< ${MAX_HEAP_GROWTH_MIB})`,
    },
    {
      name: 'unsealed events at the end',
      ok: final.sealing.unsealedEvents === 0,
      value: String(final.sealing.unsealedEvents),
    },
    {
      name: 'events acked = stored',
      ok: final.ingest.eventsTotal === acked.n && acked.lost.length === 0,
      value: `${acked.n} acked, ${final.ingest.eventsTotal} stored, ${acked.lost.length} refused`,
    },
    { name: 'daemon exit on SIGTERM', ok: exitCode === 0, value: String(exitCode) },
    {
      name: 'verify',
      ok: failures.length === 0,
      value: `${report.counts.pass} pass, ${report.counts.fail} fail, ${report.counts.pending} pending`,
    },
  ];
  console.log(`screen at the end: ${JSON.stringify(final.screen)}; stills: ${JSON.stringify(final.stills)}`);
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.value}`);
  for (const f of failures.slice(0, 10)) console.log(`  verify: ${JSON.stringify(f)}`);
  for (const l of acked.lost.slice(0, 10)) console.log(`  refused: ${l}`);
  if (values.json !== undefined) {
    const out = { seconds: SECONDS, agents: AGENTS, screen: x !== null, samples, heap, growth, checks, final };
    fs.writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return checks.every((c) => c.ok) ? 0 : 1;
}

process.exitCode = await main();
