// Ingest benchmark (issue: foundation): socket ack latency at 1,000 events/s and sustained events/s
// with durable acks, against a real compiled `aev daemon`. Baselines on the same machine: a bare
// Node Unix-socket echo round trip, the simplest durable-ack server (durable-ack-server.ts) under the
// same client, and raw SQLite inserts in fsync'd transactions.
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchDaemon } from './bench-daemon.ts';
import type { BenchRow } from './bench-table.ts';
import { percentile, runStandalone } from './bench-table.ts';
import { eventFrame, RawLoadClient } from './raw-load.ts';

/**
 * Open-loop load: calls `send(i)` for every item due at `rate`/s for `seconds`, catching up after any
 * stall (so a slow engine shows as latency, not as a lower offered rate). Between sends it sleeps until
 * the next item is due (timer resolution, ~1 ms) instead of spinning: on a 2-core machine a spinning
 * generator takes a whole core from the engine it measures, which no agent does.
 */
export async function openLoop(rate: number, seconds: number, send: (i: number) => void): Promise<void> {
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) send(sent++);
    const nextAt = start + ((sent + 1) * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, nextAt - performance.now())));
  }
}

/**
 * Seconds of load before acks are measured. A daemon runs for hours; a fresh one spends its first ~12 s at
 * 1,000 events/s growing its heap and caches (RSS ~100 → ~208 MiB, ~1,300 page faults/s against ~30/s
 * after: docs/performance.md, "The ack tail, session 8"), so the figure is taken after that.
 */
export const ACK_WARMUP_S = 15;

/** One acknowledgement as the load client saw it. */
export interface ClientAck {
  /** Epoch ms the frame was written. */
  readonly sentAt: number;
  /** From the write to the ack. */
  readonly ms: number;
}

/**
 * Open-loop load at `rate` events/s on one connection for ACK_WARMUP_S + `seconds`; the acks of the last
 * `seconds`, in the order they came.
 */
export async function openLoopAcks(socketPath: string, rate: number, seconds: number): Promise<ClientAck[]> {
  const client = await RawLoadClient.connect(socketPath);
  const acks: ClientAck[] = [];
  const start = performance.now();
  client.onAck((ms) => {
    const now = performance.now();
    if (now - start > ACK_WARMUP_S * 1000) acks.push({ sentAt: performance.timeOrigin + now - ms, ms });
  });
  await openLoop(rate, seconds + ACK_WARMUP_S, (i) => {
    client.send(eventFrame('latency', i), 1);
  });
  while (client.acked < client.sent) await new Promise((r) => setTimeout(r, 5));
  client.close();
  return acks;
}

/** The acks' latencies (ms), sorted for percentiles. */
function latencies(acks: readonly ClientAck[]): number[] {
  return acks.map((a) => a.ms).sort((a, b) => a - b);
}

/** Closed-loop load: each client keeps `window` events in flight for `seconds`. */
async function throughput(socketPath: string, clients: number, window: number, seconds: number): Promise<number> {
  const all = await Promise.all(Array.from({ length: clients }, () => RawLoadClient.connect(socketPath)));
  const batch = 64;
  const frames = all.map((_, c) => Array.from({ length: batch }, (__, i) => eventFrame(`tp-${c}`, i)).join(''));
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    all.forEach((client, c) => {
      while (client.sent - client.acked < window) client.send(frames[c] ?? '', batch);
    });
    await new Promise((r) => setTimeout(r, 1));
  }
  const elapsed = (performance.now() - start) / 1000;
  const acked = all.reduce((n, c) => n + c.acked, 0);
  for (const c of all) c.close();
  return acked / elapsed;
}

async function echoBaseline(rate: number, seconds: number): Promise<number[]> {
  const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aev-echo-')), 'echo.sock');
  const server = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(sock, r));
  const c = net.connect(sock);
  await new Promise((r) => c.once('connect', r));
  const waiting: number[] = [];
  const latencies: number[] = [];
  let buf = '';
  c.setEncoding('utf8');
  c.on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      buf = buf.slice(nl + 1);
      const t0 = waiting.shift();
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    }
  });
  const line = eventFrame('echo', 0);
  await openLoop(rate, seconds, () => {
    waiting.push(performance.now());
    c.write(line);
  });
  await new Promise((r) => setTimeout(r, 200));
  c.destroy();
  server.close();
  return latencies.sort((a, b) => a - b);
}

/**
 * The same open-loop client and warm-up against bench/durable-ack-server.ts in a process of its own (one
 * fsync'd SQLite commit per chunk read, nothing else): what a durable ack over a socket costs on this
 * machine before any of the engine's work. The acks' latencies, sorted.
 */
async function durableAckServer(rate: number, seconds: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-durable-ack-'));
  const server = spawn(process.execPath, [fileURLToPath(new URL('durable-ack-server.ts', import.meta.url)), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(server, 'exit');
  try {
    const [first] = (await Promise.race([
      once(server.stdout, 'data'),
      exited.then(() => {
        throw new Error('bench/durable-ack-server.ts ended before it listened');
      }),
    ])) as [Buffer];
    return latencies(await openLoopAcks(first.toString('utf8').trim(), rate, seconds));
  } finally {
    server.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor for a durable ack: one-row SQLite commits (WAL, synchronous=FULL) at `rate`/s, latency each. */
async function commitBaseline(rate: number, seconds: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-commit-'));
  const db = new BetterSqlite3(path.join(dir, 'c.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (b BLOB)');
  const ins = db.prepare('INSERT INTO t VALUES (?)');
  const blob = Buffer.alloc(1300);
  const times: number[] = [];
  await openLoop(rate, seconds, () => {
    const t0 = performance.now();
    ins.run(blob);
    times.push(performance.now() - t0);
  });
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return times.sort((a, b) => a - b);
}

/**
 * The disk's flush floor under every durable ack: a bare 4 KiB pwrite + fdatasync at `rate`/s on a
 * preallocated (written and synced) file in `dir`, which must be on the data root's file system. No
 * SQLite, no engine: an ack that waits for one flush of the index log cannot beat this p99.
 */
async function flushFloor(dir: string, rate: number, seconds: number): Promise<number[]> {
  const PAGE = 4096;
  const PAGES = 1024;
  const file = path.join(dir, 'flush-floor.bin');
  const fd = fs.openSync(file, 'w+', 0o600);
  try {
    // Preallocated and synced first, so every timed flush is a data flush, not a file-size change.
    fs.writeSync(fd, Buffer.alloc(PAGE * PAGES), 0, PAGE * PAGES, 0);
    fs.fsyncSync(fd);
    const page = Buffer.alloc(PAGE, 0x5a);
    const times: number[] = [];
    let n = 0;
    await openLoop(rate, seconds, () => {
      const t0 = performance.now();
      fs.writeSync(fd, page, 0, PAGE, (n++ % PAGES) * PAGE);
      fs.fdatasyncSync(fd);
      times.push(performance.now() - t0);
    });
    return times.sort((a, b) => a - b);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

function sqliteBaseline(seconds: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-sqlite-'));
  const db = new BetterSqlite3(path.join(dir, 'b.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, b BLOB)');
  const ins = db.prepare('INSERT INTO t VALUES (?, ?)');
  const blob = Buffer.alloc(700);
  const tx = db.transaction((from: number) => {
    for (let i = 0; i < 2000; i++) ins.run(String(from + i), blob);
  });
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    tx(n);
    n += 2000;
  }
  const rate = n / ((performance.now() - start) / 1000);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return rate;
}

export async function run(): Promise<BenchRow[]> {
  const daemon = await startBenchDaemon();
  try {
    const lat = latencies(await openLoopAcks(daemon.socketPath, 1000, 10));
    const echo = await echoBaseline(1000, 5);
    const simplest = await durableAckServer(1000, 10);
    const commit = await commitBaseline(1000, 5);
    const floor = await flushFloor(daemon.dataRoot, 1000, 5);
    const eps = await throughput(daemon.socketPath, 8, 512, 10);
    const sqlite = sqliteBaseline(5);
    return [
      {
        name: 'socket ack p50 @1k ev/s',
        figure: percentile(lat, 50),
        unit: 'ms',
        target: '—',
        met: true,
        baseline: `echo round trip p50 ${percentile(echo, 50).toFixed(3)} ms`,
      },
      {
        name: 'socket ack p99 @1k ev/s',
        figure: percentile(lat, 99),
        unit: 'ms',
        target: '<= 2 ms',
        met: percentile(lat, 99) <= 2,
        baseline: `echo round trip p99 ${percentile(echo, 99).toFixed(3)} ms; one fsync'd SQLite commit p99 ${percentile(commit, 99).toFixed(2)} ms; disk flush floor p99 ${percentile(floor, 99).toFixed(2)} ms`,
        note: `${lat.length} events over 10 s after ${ACK_WARMUP_S} s of warm-up, each acked after fsync`,
      },
      {
        name: 'simplest durable ack p99 @1k ev/s',
        figure: percentile(simplest, 99),
        unit: 'ms',
        target: '—',
        met: true,
        baseline: `the same client against bench/durable-ack-server.ts: p50 ${percentile(simplest, 50).toFixed(2)} ms, ${((100 * simplest.filter((ms) => ms > 2).length) / Math.max(1, simplest.length)).toFixed(1)}% over 2 ms`,
        note: `a process that commits each chunk's lines in one fsync'd SQLite transaction and acks them, nothing else; ${simplest.length} events over 10 s after ${ACK_WARMUP_S} s of warm-up`,
      },
      {
        name: 'disk flush floor p50',
        figure: percentile(floor, 50),
        unit: 'ms',
        target: '—',
        met: true,
        baseline: 'bare 4 KiB pwrite + fdatasync, preallocated file on the data root file system, 1,000/s',
      },
      {
        name: 'disk flush floor p99',
        figure: percentile(floor, 99),
        unit: 'ms',
        target: '—',
        met: true,
        baseline: 'the least any durable ack p99 can be on this disk (ack p99 <= 2 ms needs this well below 2 ms)',
        note: `${floor.length} flushes over 5 s`,
      },
      {
        name: 'sustained durable ingest',
        figure: eps,
        unit: 'events/s',
        target: '>= 20,000 events/s',
        met: eps >= 20_000,
        baseline: `raw SQLite fsync'd inserts ${Math.round(sqlite).toLocaleString('en-US')} rows/s`,
        note: '8 clients × 512 in flight, ~1 KB Pre/PostToolUse payloads: validated, encrypted, indexed, paired, fsync-ed',
      },
    ];
  } finally {
    await daemon.stop();
  }
}

await runStandalone('ingest', import.meta.url, run);
