import { eventFrame, helloFrame } from './base-frames.ts';
import { FuzzConnection } from './fuzz-connection.ts';
import { rawRequest } from './http-cases.ts';
import type { HttpTarget } from './http-cases.ts';
import { httpExchange } from './http-probe.ts';
import { JsonText } from './json-text.ts';
import type { LaneEnv } from './socket-frames.ts';

/** Clients that take their time; each is bounded by `slowMs` (what the fuzzer is willing to wait). */
export const SLOW_CATEGORIES = ['slow-drip', 'idle-no-hello', 'http-slowloris', 'http-slow-body'] as const;
export type SlowCategory = (typeof SLOW_CATEGORIES)[number];

function seconds(ms: number): string {
  return ms < 1000 ? '<1 s' : `~${Math.round(ms / 1000)} s`;
}

/** Runs one slow case; returns the frames it sent. */
export async function runSlowCase(
  category: SlowCategory,
  env: LaneEnv,
  http: HttpTarget,
  slowMs: number,
): Promise<number> {
  const { rng } = env.ctx;
  const t = env.tally;
  t.add(t.connections, category);
  switch (category) {
    case 'slow-drip': {
      // A valid hello and event, a few bytes at a time: must be reassembled and answered.
      const conn = await FuzzConnection.open(env.socketPath, t, `${env.where} ${category}`);
      if (conn === null) return 0;
      const text = new JsonText();
      const bytes = Buffer.concat([
        text.encode(helloFrame(rng)),
        Buffer.from('\n'),
        text.encode(eventFrame(env.ctx)),
        Buffer.from('\n'),
      ]);
      const started = performance.now();
      let at = 0;
      let first = true;
      while (at < bytes.length && performance.now() - started < slowMs && !conn.closed) {
        const n = rng.range(1, 16);
        conn.write(bytes.subarray(at, at + n), first ? 2 : 0, category);
        first = false;
        at += n;
        await new Promise((r) => setTimeout(r, rng.range(5, 60)));
      }
      const r = await conn.finish(env.settleMs, at >= bytes.length);
      t.add(t.outcomes, `slow-drip ${at >= bytes.length ? 'completed' : 'cut at bound'}, ${r}`);
      return 2;
    }
    case 'idle-no-hello': {
      // Says nothing: the engine closes it after its hello timeout (10 s), if we wait that long.
      const conn = await FuzzConnection.open(env.socketPath, t, `${env.where} ${category}`);
      if (conn === null) return 0;
      const started = performance.now();
      while (!conn.closed && performance.now() - started < slowMs) await new Promise((r) => setTimeout(r, 100));
      t.add(
        t.outcomes,
        conn.closed
          ? `idle-no-hello closed by engine after ${seconds(performance.now() - started)}`
          : 'idle-no-hello still open at our bound',
      );
      conn.destroy();
      return 0;
    }
    case 'http-slowloris': {
      // Request headers a byte at a time, never finished.
      const head = rawRequest(http, { body: Buffer.from('{}') }).subarray(0, -6);
      const chunks = [...head].map((b) => ({ bytes: Buffer.from([b]), delayMs: rng.range(100, 400) }));
      const r = await httpExchange(http.port, chunks, slowMs);
      t.add(t.frames, category);
      t.add(
        t.outcomes,
        r.closedByServer
          ? `http-slowloris closed by engine after ${seconds(r.ms)}${r.statuses.length > 0 ? ` (${String(r.statuses[0])})` : ''}`
          : 'http-slowloris still open at our bound',
      );
      return 1;
    }
    case 'http-slow-body': {
      // Complete headers promising 4 KiB, then the body trickles in and stops short.
      const head = rawRequest(http, { headers: { 'content-length': '4096' } });
      const chunks = [
        { bytes: head },
        ...Array.from({ length: 200 }, () => ({ bytes: Buffer.from(' '), delayMs: rng.range(100, 400) })),
      ];
      const r = await httpExchange(http.port, chunks, slowMs);
      t.add(t.frames, category);
      t.add(
        t.outcomes,
        r.closedByServer
          ? `http-slow-body closed by engine after ${seconds(r.ms)}${r.statuses.length > 0 ? ` (${String(r.statuses[0])})` : ''}`
          : 'http-slow-body still open at our bound',
      );
      return 1;
    }
  }
}
