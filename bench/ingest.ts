// Ingest benchmark (issue: foundation): socket ack latency at 1,000 events/s and sustained events/s
// with durable acks, against a real compiled `aev daemon`. Baselines on the same machine: a bare
// Node Unix-socket echo round trip, and raw SQLite inserts in fsync'd transactions.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EndpointClient } from '../electron/cli/client/endpoint-client.ts';
import { startBenchDaemon } from './bench-daemon.ts';
import type { BenchRow } from './bench-table.ts';
import { machineLine, percentile, printTable, writeResults } from './bench-table.ts';

const payload = (i: number): Record<string, unknown> => ({
  session_id: 'bench-session',
  transcript_path: '/home/dev/.claude/projects/x/bench.jsonl',
  cwd: '/home/dev/project',
  hook_event_name: 'PostToolUse',
  tool_name: 'Bash',
  tool_use_id: `toolu_${i}`,
  tool_input: { command: 'npm test -- --reporter=dot', description: 'run the tests' },
  tool_response: { stdout: 'x'.repeat(400), stderr: '', interrupted: false },
});

async function ackLatency(socketPath: string, rate: number, seconds: number): Promise<number[]> {
  const client = await EndpointClient.connect({ socketPath, api: 'ingest', client: 'sdk', timeoutMs: 10_000 });
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      const t0 = performance.now();
      pending.push(
        client.sendEvent({ agent: 'claude-code', payload: payload(sent) }, 10_000).then(() => {
          latencies.push(performance.now() - t0);
        }),
      );
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  client.close();
  return latencies.sort((a, b) => a - b);
}

async function throughput(socketPath: string, clients: number, window: number, seconds: number): Promise<number> {
  let acked = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = await EndpointClient.connect({ socketPath, api: 'ingest', client: 'sdk', timeoutMs: 30_000 });
      let i = 0;
      const one = async (): Promise<void> => {
        while (performance.now() < deadline) {
          await client.sendEvent(
            { agent: 'claude-code', payload: { ...payload(i++), session_id: `bench-${c}` } },
            30_000,
          );
          acked++;
        }
      };
      await Promise.all(Array.from({ length: window }, one));
      client.close();
    }),
  );
  return acked / ((performance.now() - start) / 1000);
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
  const line = `${JSON.stringify({ type: 'event', id: 1, event: { agent: 'claude-code', payload: payload(0) } })}\n`;
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      waiting.push(performance.now());
      c.write(line);
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  c.destroy();
  server.close();
  return latencies.sort((a, b) => a - b);
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
    const lat = await ackLatency(daemon.socketPath, 1000, 10);
    const echo = await echoBaseline(1000, 5);
    const eps = await throughput(daemon.socketPath, 8, 256, 10);
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
        baseline: `echo round trip p99 ${percentile(echo, 99).toFixed(3)} ms`,
        note: `${lat.length} events over 10 s, acked after fsync`,
      },
      {
        name: 'sustained durable ingest',
        figure: eps,
        unit: 'events/s',
        target: '>= 20,000 events/s',
        met: eps >= 20_000,
        baseline: `raw SQLite fsync'd inserts ${Math.round(sqlite).toLocaleString('en-US')} rows/s`,
        note: '8 clients × 256 in flight, ~1 KB payloads, encrypted + indexed',
      },
    ];
  } finally {
    await daemon.stop();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const rows = await run();
  console.log(machineLine());
  printTable(rows);
  console.log(`results: ${writeResults('ingest', rows)}`);
}
