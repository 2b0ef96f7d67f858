// Screen capture cost (issue 4): whole-process CPU seconds per minute and MB per hour for a 1920×1080
// Xvfb screen, static and busy (a scrolling terminal), beside plain ffmpeg writing the same screen with
// the same arguments to a file; and how late the capture is sealed after its window closes.
// Needs Xvfb, ffmpeg, xsetroot and xterm (apt-get install xvfb ffmpeg x11-xserver-utils xterm).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { EndpointClient } from '../electron/engine/client/endpoint-client.ts';
import { captureArgs } from '../native/ffmpeg/capture-args.ts';
import { percentile, runStandalone } from './bench-table.ts';
import type { BenchRow } from './bench-table.ts';
import { startBenchDaemon } from './bench-daemon.ts';
import { startBenchXvfb } from './bench-xvfb.ts';
import { procCpu } from './proc-stat.ts';

const SECONDS = Number(process.env.AEV_BENCH_SECONDS ?? '60');
const WARMUP_MS = 4000;
const WINDOW_MS = 10_000;

type Scene = 'static' | 'busy';

export async function run(): Promise<BenchRow[]> {
  for (const p of ['Xvfb', 'ffmpeg', 'xsetroot', 'xterm'])
    if (spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0) throw new Error(`${p} is needed: apt-get install it`);
  const rows: BenchRow[] = [];
  for (const scene of ['static', 'busy'] as const) {
    const x = await startBenchXvfb('1920x1080');
    const painter = paint(x.display, scene);
    try {
      const plain = await plainFfmpeg(x.display);
      const ours = await engineCapture(x.display);
      const cpuTarget = plain.cpuPerMin * 1.1;
      rows.push({
        name: `capture ${scene}: CPU`,
        figure: ours.cpuPerMin,
        unit: 'CPU s/min',
        target: `≤ plain ffmpeg + 10% (${cpuTarget.toFixed(2)})`,
        met: ours.cpuPerMin <= cpuTarget,
        baseline: `plain ffmpeg to a file: ${plain.cpuPerMin.toFixed(2)} CPU s/min (engine process ${ours.engineCpuPerMin.toFixed(2)} + its ffmpeg ${ours.ffmpegCpuPerMin.toFixed(2)})`,
        baselineFigure: plain.cpuPerMin,
      });
      const sizeTarget = scene === 'static' ? 10 : 300;
      rows.push({
        name: `capture ${scene}: size`,
        figure: ours.mbPerHour,
        unit: 'MB/hour',
        target: `≤ ${sizeTarget} MB/hour`,
        met: ours.mbPerHour <= sizeTarget,
        baseline: `plain ffmpeg file: ${plain.mbPerHour.toFixed(1)} MB/hour`,
        baselineFigure: plain.mbPerHour,
      });
      if (scene === 'busy') {
        rows.push({
          name: 'capture: sealed after window closes',
          figure: ours.sealLateP99Ms,
          unit: 'ms p99',
          target: '≤ 1000 ms',
          met: ours.sealLateP99Ms <= 1000,
          baseline: `max ${ours.sealLateMaxMs.toFixed(0)} ms over ${ours.fragments} fragments; window ${WINDOW_MS / 1000} s`,
        });
      }
    } finally {
      painter.kill('SIGKILL');
      await x.stop();
    }
  }
  return rows;
}

/** The same capture arguments the engine uses, written to a file by ffmpeg alone. */
async function plainFfmpeg(display: string): Promise<{ cpuPerMin: number; mbPerHour: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-bench-ffmpeg-'));
  const file = path.join(dir, 'plain.mp4');
  const args = captureArgs('x11grab', { fps: 5, maxLongSide: 1920, display, windowMs: WINDOW_MS, phaseMs: 0 });
  const child = spawn('ffmpeg', [...args.slice(0, -1), '-y', file], { stdio: ['pipe', 'ignore', 'ignore'] });
  const started = Date.now();
  try {
    await sleep(WARMUP_MS);
    const cpu0 = cpuSeconds(child.pid);
    await sleep(SECONDS * 1000);
    const cpu = cpuSeconds(child.pid) - cpu0;
    child.stdin.end('q');
    await exited(child);
    // ffmpeg buffers file output (a still screen writes a few KB a minute), so the size is read once it
    // has quit and flushed, over the whole run.
    const bytes = fileSize(file);
    const seconds = (Date.now() - started) / 1000;
    return { cpuPerMin: (cpu * 60) / SECONDS, mbPerHour: (bytes / 1e6) * (3600 / seconds) };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface EngineFigures {
  cpuPerMin: number;
  engineCpuPerMin: number;
  ffmpegCpuPerMin: number;
  mbPerHour: number;
  sealLateP99Ms: number;
  sealLateMaxMs: number;
  fragments: number;
}

/** The compiled daemon recording because an agent session is active; its whole process tree is measured. */
async function engineCapture(display: string): Promise<EngineFigures> {
  const daemon = await startBenchDaemon({ AEV_SCREEN: 'on', DISPLAY: display, AEV_WINDOW_MS: String(WINDOW_MS) });
  const client = await EndpointClient.connect({
    socketPath: daemon.socketPath,
    client: 'test',
    api: 'ingest',
    timeoutMs: 5000,
  });
  try {
    const payload = {
      session_id: 'bench-capture',
      hook_event_name: 'SessionStart',
      source: 'startup',
      cwd: '/',
      transcript_path: '/nonexistent.jsonl',
    };
    await client.sendEvent({ agent: 'claude-code', payload }, 5000);
    const ffmpegPid = await until(() => childPid(daemon.child.pid, 'x11grab'), 5000);
    await sleep(WARMUP_MS);
    const e0 = cpuSeconds(daemon.child.pid);
    const f0 = cpuSeconds(ffmpegPid);
    const s0 = dirBytes(path.join(daemon.dataRoot, 'vault', 'objects'));
    await sleep(SECONDS * 1000);
    const engineCpu = cpuSeconds(daemon.child.pid) - e0;
    const ffmpegCpu = cpuSeconds(ffmpegPid) - f0;
    const bytes = dirBytes(path.join(daemon.dataRoot, 'vault', 'objects')) - s0;
    await sleep(WINDOW_MS + 2000); // let the last windows seal
    const late = sealLateness(path.join(daemon.dataRoot, 'index.sqlite'));
    return {
      cpuPerMin: ((engineCpu + ffmpegCpu) * 60) / SECONDS,
      engineCpuPerMin: (engineCpu * 60) / SECONDS,
      ffmpegCpuPerMin: (ffmpegCpu * 60) / SECONDS,
      mbPerHour: (bytes / 1e6) * (3600 / SECONDS),
      sealLateP99Ms: percentile(late, 99),
      sealLateMaxMs: late.at(-1) ?? Number.NaN,
      fragments: late.length,
    };
  } finally {
    client.close();
    await daemon.stop();
  }
}

/**
 * For each video fragment: when the record sealing it was made, minus the end of the window its last
 * frame fell in. Windows are the engine's timer windows: every WINDOW_MS from the run's start.
 */
function sealLateness(indexPath: string): number[] {
  const db = new BetterSqlite3(indexPath, { readonly: true });
  try {
    const runStart = Date.parse(
      db.prepare<[], { started_at: string }>('SELECT started_at FROM runs ORDER BY id DESC LIMIT 1').get()
        ?.started_at ?? '',
    );
    const records = db
      .prepare<[], { record: Buffer }>(
        "SELECT c.record FROM chain_records c JOIN sessions s ON s.id = c.session_id WHERE s.kind = 'screen'",
      )
      .all()
      .map(
        (r) =>
          JSON.parse(r.record.toString('utf8')) as {
            sessionId: string;
            sealedAt: string;
            media: { firstSeq: number | null; lastSeq: number | null };
          },
      );
    const fragments = db
      .prepare<[], { session_id: string; seq: number; end_ms: number }>(
        "SELECT m.session_id, m.seq, m.end_ms FROM media m JOIN sessions s ON s.id = m.session_id WHERE s.kind = 'screen' AND m.kind = 'video-fragment'",
      )
      .all();
    const late: number[] = [];
    for (const f of fragments) {
      const rec = records.find(
        (r) =>
          r.sessionId === f.session_id &&
          r.media.firstSeq !== null &&
          r.media.lastSeq !== null &&
          f.seq >= r.media.firstSeq &&
          f.seq <= r.media.lastSeq,
      );
      if (rec === undefined) continue;
      // The frame interval is 200 ms: a fragment ending within one frame after a boundary holds frames of the window before it.
      const windowEnd = runStart + Math.ceil((f.end_ms - 200 - runStart) / WINDOW_MS) * WINDOW_MS;
      late.push(Math.max(0, Date.parse(rec.sealedAt) - windowEnd));
    }
    return late.sort((a, b) => a - b);
  } finally {
    db.close();
  }
}

function paint(display: string, scene: Scene): ChildProcess {
  const env = { ...process.env, DISPLAY: display };
  if (scene === 'static') {
    spawnSync('xsetroot', ['-solid', '#2e3440'], { env });
    // A terminal that shows a prompt and waits: a typical idle screen.
    return spawn(
      'xterm',
      ['-geometry', '240x67+0+0', '-e', 'sh', '-c', 'echo "$ waiting for the agent"; sleep 100000'],
      { env, stdio: 'ignore' },
    );
  }
  // An agent's terminal scrolling: ~200 lines a second through a full-screen xterm.
  const script = 'while :; do ls -la /usr/bin | head -50; sleep 0.25; done';
  return spawn('xterm', ['-geometry', '240x67+0+0', '-e', 'sh', '-c', script], { env, stdio: 'ignore' });
}

function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? Number.NaN : procCpu(`/proc/${pid}/stat`).own;
}

/** The recording ffmpeg (not one of the short probes the engine runs first): its command line grabs x11. */
function childPid(parent: number | undefined, pattern: string): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(parent), '-f', pattern], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function until<T>(get: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('the engine did not start ffmpeg in time');
    await sleep(100);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

await runStandalone('capture', import.meta.url, run);
