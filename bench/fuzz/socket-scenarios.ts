import { MAX_FRAME_BYTES } from '../../electron/common/protocol/constants.ts';
import {
  eventFrame,
  helloFrame,
  requestFrame,
  terminalCloseFrame,
  terminalDataFrame,
  terminalOpenFrame,
} from './base-frames.ts';
import type { Frame } from './base-frames.ts';
import { FuzzConnection } from './fuzz-connection.ts';
import { JsonText } from './json-text.ts';
import { mutate } from './mutations.ts';
import {
  GARBAGE_TEXT,
  anyFrame,
  NL,
  bulk,
  garbage,
  line,
  mutatedLine,
  open,
  remember,
  send,
  withHello,
} from './socket-frames.ts';
import type { LaneEnv } from './socket-frames.ts';

export type { LaneEnv } from './socket-frames.ts';

/** Socket scenarios of the main lanes; each opens one connection (the storm opens many). */
export const SOCKET_CATEGORIES = [
  'mutated-event',
  'valid-event',
  'raw-garbage',
  'hello-variant',
  'control-on-ingest',
  'event-on-control',
  'control-readback',
  'unknown-type',
  'terminal',
  'oversized',
  'flood',
  'partial-close',
  'abrupt-close',
  'non-reader',
  'connection-storm',
] as const;
export type SocketCategory = (typeof SOCKET_CATEGORIES)[number];

/** Relative frequency of each scenario (a scenario sends 1 to a few thousand frames). */
export const SOCKET_WEIGHTS: Readonly<Record<SocketCategory, number>> = {
  'mutated-event': 30,
  'valid-event': 4,
  'raw-garbage': 8,
  'hello-variant': 8,
  'control-on-ingest': 4,
  'event-on-control': 2,
  'control-readback': 3,
  'unknown-type': 4,
  terminal: 8,
  oversized: 3,
  flood: 5,
  'partial-close': 5,
  'abrupt-close': 4,
  'non-reader': 2,
  'connection-storm': 0.4,
};

type Scenario = (env: LaneEnv, budget: number) => Promise<number>;

const scenarios: Record<SocketCategory, Scenario> = {
  async 'mutated-event'(env, budget) {
    const conn = await withHello(env, 'mutated-event');
    if (conn === null) return 1;
    const lines = Array.from({ length: Math.min(budget - 1, env.ctx.rng.range(1, 40)) }, () =>
      mutatedLine(env, anyFrame(env)),
    );
    const n = send(env, conn, lines, 'mutated-event');
    await conn.finish(env.settleMs);
    remember(env, conn);
    return n + 1;
  },

  async 'valid-event'(env, budget) {
    const conn = await withHello(env, 'valid-event');
    if (conn === null) return 1;
    const lines = Array.from({ length: Math.min(budget - 1, env.ctx.rng.range(1, 30)) }, () =>
      line(eventFrame(env.ctx), env),
    );
    const n = send(env, conn, lines, 'valid-event');
    await conn.finish(env.settleMs);
    remember(env, conn);
    return n + 1;
  },

  async 'raw-garbage'(env, budget) {
    const { rng } = env.ctx;
    const hello = rng.chance(0.6);
    const conn = hello ? await withHello(env, 'raw-garbage') : await open(env, 'raw-garbage');
    if (conn === null) return 1;
    const lines = Array.from({ length: Math.min(budget - 1, rng.range(1, 20)) }, () =>
      Buffer.concat([garbage(env), NL]),
    );
    const n = send(env, conn, lines, 'raw-garbage');
    await conn.finish(env.settleMs);
    return n + (hello ? 1 : 0);
  },

  async 'hello-variant'(env) {
    const { rng } = env.ctx;
    const conn = await open(env, 'hello-variant');
    if (conn === null) return 1;
    const good = helloFrame(rng);
    const variants: (() => Buffer[])[] = [
      // hello omitted: the first frame is an event (E_NOT_HELLO, closed)
      () => [line(eventFrame(env.ctx), env)],
      // hello twice (the second is refused, the connection stays usable)
      () => [line(good, env), line(helloFrame(rng), env), line(eventFrame(env.ctx), env)],
      // wrong protocol versions, some of them not even numbers
      () => [
        line(new JsonText().encode({ ...good, protocol: rng.pick([0, 2, -1, 1.5, '1', null, 99, 2 ** 31]) }), env),
      ],
      () => {
        const t = new JsonText();
        return [line(t.encode({ ...good, protocol: t.raw(rng.pick(['1e400', '1.0', '01', '1e0'])) }), env)];
      },
      // bad api or client, missing fields, extra fields
      () => [line({ ...good, api: rng.pick(['admin', '', 'INGEST', 'control ', 1]) }, env)],
      () => [line({ ...good, client: rng.pick(['root', '', 7]) }, env)],
      () => {
        const h: Frame = { ...good };
        Reflect.deleteProperty(h, rng.pick(['id', 'protocol', 'client', 'api', 'type']));
        return [line(h, env)];
      },
      () => [line({ ...good, extra: 'field', nested: { a: 1 } }, env), line(eventFrame(env.ctx), env)],
      // a damaged hello
      () => [mutatedLine(env, good), line(eventFrame(env.ctx), env)],
      // hello sent as an array or as a bare string
      () => [line(Buffer.from(JSON.stringify([good])), env)],
      () => [line(Buffer.from(JSON.stringify(JSON.stringify(good))), env)],
    ];
    const lines = rng.pick(variants)();
    const n = send(env, conn, lines, 'hello-variant');
    await conn.finish(env.settleMs);
    return n;
  },

  async 'control-on-ingest'(env, budget) {
    const conn = await withHello(env, 'control-on-ingest', 'ingest');
    if (conn === null) return 1;
    const lines = Array.from({ length: Math.min(budget - 1, env.ctx.rng.range(1, 10)) }, () =>
      line(requestFrame(env.ctx), env),
    );
    const n = send(env, conn, lines, 'control-on-ingest');
    await conn.finish(env.settleMs);
    return n + 1;
  },

  async 'event-on-control'(env, budget) {
    const conn = await withHello(env, 'event-on-control', 'control');
    if (conn === null) return 1;
    const lines = Array.from({ length: Math.min(budget - 1, env.ctx.rng.range(1, 10)) }, () =>
      line(env.ctx.rng.chance(0.7) ? eventFrame(env.ctx) : terminalOpenFrame(env.ctx, `term-${env.ctx.lane}-c`), env),
    );
    const n = send(env, conn, lines, 'event-on-control');
    await conn.finish(env.settleMs);
    return n + 1;
  },

  async 'control-readback'(env, budget) {
    const conn = await withHello(env, 'control-readback', 'control');
    if (conn === null) return 1;
    const { rng } = env.ctx;
    const lines = Array.from({ length: Math.min(budget - 1, rng.range(1, 6)) }, () =>
      rng.chance(0.3) ? mutatedLine(env, requestFrame(env.ctx)) : line(requestFrame(env.ctx), env),
    );
    const n = send(env, conn, lines, 'control-readback');
    await conn.finish(env.settleMs);
    return n + 1;
  },

  async 'unknown-type'(env, budget) {
    const conn = await withHello(env, 'unknown-type');
    if (conn === null) return 1;
    const { rng } = env.ctx;
    const lines = Array.from({ length: Math.min(budget - 1, rng.range(1, 10)) }, () => {
      const f = eventFrame(env.ctx);
      f.type = rng.pick(['evnt', 'terminal.resize', 'ack', 'result', 'error', 'EVENT', 'hello\u0000', '']);
      if (rng.chance(0.2)) Reflect.deleteProperty(f, 'type');
      return line(f, env);
    });
    const n = send(env, conn, lines, 'unknown-type');
    await conn.finish(env.settleMs);
    return n + 1;
  },

  async terminal(env, budget) {
    const conn = await withHello(env, 'terminal');
    if (conn === null) return 1;
    const { rng } = env.ctx;
    const tid = `fz-${env.ctx.lane}-${rng.word(4, 8)}`;
    const lines: Buffer[] = [line(terminalOpenFrame(env.ctx, tid), env)];
    let t = 0;
    for (let n = Math.min(budget - 3, rng.range(1, 12)); n > 0; n--) {
      const data = terminalDataFrame(env.ctx, tid, t);
      t += 20;
      const bad: (() => Frame)[] = [
        () => ({ ...data, events: [[-1, 'o', 'x']] }),
        () => ({ ...data, events: [[0, 'o', 'back in time']] }),
        () => ({ ...data, events: [[t, 'x', 'bad kind']] }),
        () => ({ ...data, events: [[t, 'o']] }),
        () => ({ ...data, events: [[t, 'o', 'x', 'extra']] }),
        () => ({ ...data, events: [] }),
        () => ({ ...data, events: 'o hello' }),
        () => ({ ...data, events: [{ t, k: 'o', d: 'x' }] }),
        () => ({ ...data, terminalId: 'not/valid id' }),
        () => ({ ...data, terminalId: `never-opened-${rng.word()}` }),
        () => ({ ...data, events: [[t, 'o', '\ud800 lone \u0000 nul']] }),
        () => terminalOpenFrame(env.ctx, tid),
        () => ({ ...terminalOpenFrame(env.ctx, `${tid}x`), width: rng.pick([0, -1, 70_000, 1.5]) }),
        () => ({ ...terminalOpenFrame(env.ctx, `${tid}y`), command: [] }),
        () => terminalCloseFrame(env.ctx, tid),
      ];
      const x = rng.float();
      if (x < 0.4) lines.push(line(data, env));
      else if (x < 0.8) lines.push(line(rng.pick(bad)(), env));
      else lines.push(mutatedLine(env, data));
    }
    if (rng.chance(0.6)) lines.push(line(terminalCloseFrame(env.ctx, tid), env));
    const n = send(env, conn, lines, 'terminal');
    await conn.finish(env.settleMs);
    return n + 1;
  },

  async oversized(env) {
    const conn = await withHello(env, 'oversized');
    if (conn === null) return 1;
    const { rng } = env.ctx;
    const size = rng.pick([
      MAX_FRAME_BYTES - 1,
      MAX_FRAME_BYTES,
      MAX_FRAME_BYTES + 1,
      2 * MAX_FRAME_BYTES,
      4 * MAX_FRAME_BYTES,
    ]);
    const variant = rng.int(3);
    if (variant === 0) {
      // A long-string event near the limit, then a valid event: the connection must still work.
      const m = mutate(rng, eventFrame(env.ctx), ['long-string'], 1);
      env.tally.add(env.tally.mutations, 'long-string');
      send(env, conn, [line(m.bytes, env), line(eventFrame(env.ctx), env)], 'oversized');
      await conn.finish(env.settleMs);
      remember(env, conn);
      return 3;
    }
    // A line of filler of `size` bytes, in pieces; then a newline and a valid event, or a close.
    const piece = Buffer.alloc(64 * 1024, 0x78);
    let left = size;
    let first = true;
    while (left > 0) {
      const n = Math.min(left, piece.length);
      conn.write(piece.subarray(0, n), first ? 1 : 0, 'oversized');
      first = false;
      left -= n;
    }
    if (variant === 1) {
      conn.write(Buffer.concat([NL, line(eventFrame(env.ctx), env)]), 1, 'oversized');
      await conn.finish(env.settleMs);
      remember(env, conn);
      return 3;
    }
    await conn.finish(env.settleMs);
    return 2;
  },

  async flood(env, budget) {
    const { rng } = env.ctx;
    const conn = await withHello(env, 'flood');
    if (conn === null) return 1;
    const size = Math.min(budget - 1, bulk(env), rng.pick([100, 500, 1000, 2000, 4000]));
    const valid = rng.chance(0.5) ? line(eventFrame(env.ctx), env) : null;
    const lines = Array.from({ length: size }, (_, i) =>
      valid !== null && i % 2 === 0 ? valid : Buffer.from(rng.pick(['{}\n', 'x\n', '{"type":"event"}\n', '[]\n'])),
    );
    conn.write(Buffer.concat(lines), size, 'flood');
    await conn.finish(Math.max(env.settleMs, 60_000));
    remember(env, conn);
    return size + 1;
  },

  async 'partial-close'(env) {
    const { rng } = env.ctx;
    const conn = await withHello(env, 'partial-close');
    if (conn === null) return 1;
    const lines = Array.from({ length: rng.range(0, 4) }, () => line(eventFrame(env.ctx), env));
    send(env, conn, lines, 'partial-close');
    await conn.settle(env.settleMs);
    // The last frame never gets its newline: the engine must drop it with the connection.
    const last = new JsonText().encode(eventFrame(env.ctx));
    conn.write(last.subarray(0, rng.chance(0.5) ? last.length : rng.range(1, last.length)), 1, 'partial-close');
    await conn.finish(env.settleMs);
    remember(env, conn);
    return lines.length + 2;
  },

  async 'abrupt-close'(env, budget) {
    const { rng } = env.ctx;
    const conn = await withHello(env, 'abrupt-close');
    if (conn === null) return 1;
    const lines = Array.from({ length: Math.min(budget - 1, rng.range(1, 200)) }, () => line(eventFrame(env.ctx), env));
    send(env, conn, lines, 'abrupt-close');
    // Gone before the acks: the engine writes to a closed socket and must shrug.
    if (rng.chance(0.5)) await new Promise((r) => setTimeout(r, rng.int(5)));
    conn.destroy();
    env.tally.add(env.tally.outcomes, 'connection destroyed by client');
    return lines.length + 1;
  },

  async 'non-reader'(env, budget) {
    const { rng } = env.ctx;
    const conn = await withHello(env, 'non-reader');
    if (conn === null) return 1;
    conn.pauseReading();
    // Thousands of acks fill the socket buffers, so the engine has to stop reading (backpressure).
    const n = Math.min(budget - 1, bulk(env), rng.pick([1000, 3000, 6000]));
    const frame = line(eventFrame(env.ctx), env);
    conn.write(Buffer.concat(Array.from({ length: n }, () => frame)), n, 'non-reader');
    await new Promise((r) => setTimeout(r, rng.range(500, 2000)));
    // Reading again, everything must still be answered (backpressure only delayed it).
    conn.resumeReading();
    await conn.finish(Math.max(env.settleMs, 60_000));
    remember(env, conn);
    return n + 1;
  },

  async 'connection-storm'(env) {
    const { rng } = env.ctx;
    const count = rng.range(260, 320);
    env.tally.add(env.tally.connections, 'connection-storm', count);
    const conns = await Promise.all(
      Array.from({ length: count }, () => FuzzConnection.open(env.socketPath, env.tally, `${env.where} storm`)),
    );
    const hello = line(helloFrame(rng), env);
    for (const c of conns) c?.write(hello, 1, 'connection-storm');
    const live = conns.filter((c): c is FuzzConnection => c !== null);
    await Promise.all(live.map((c) => c.settle(env.settleMs)));
    await Promise.all(live.map((c) => c.end()));
    return count;
  },
};

export function runSocketScenario(category: SocketCategory, env: LaneEnv, budget: number): Promise<number> {
  return scenarios[category](env, budget);
}

/**
 * One connection past the rate limit's burst (20,000 frames at up to 50,000/s, docs/protocol.md):
 * `frames` short lines in one write, drawn from a pool of damaged and garbage frames. Where the engine
 * refuses lines faster than 50,000/s this earns E_RATE_LIMITED (and a close after 10,000 of them);
 * where it is slower (about 28,000 lines/s on a 2-core test machine) the refill keeps up and every
 * line gets its own answer: either way nothing may be lost or left unanswered.
 */
export async function runBurstFlood(env: LaneEnv, frames: number): Promise<number> {
  const conn = await withHello(env, 'rate-limit-flood');
  if (conn === null) return 1;
  // Short lines only: the point is their number, not their size (no long strings, no deep nesting).
  const cheap = env.mutations.filter((m) => m !== 'long-string' && m !== 'deep-nesting');
  const pool = Array.from({ length: 200 }, (_, i) =>
    i % 4 === 0
      ? mutatedLine({ ...env, mutations: cheap }, helloFrame(env.ctx.rng))
      : Buffer.concat([Buffer.from(env.ctx.rng.pick(GARBAGE_TEXT)), NL]),
  );
  const lines = Array.from({ length: frames }, (_, i) => pool[i % pool.length] ?? NL);
  conn.write(Buffer.concat(lines), frames, 'rate-limit-flood');
  await conn.finish(Math.max(env.settleMs, 60_000));
  return frames + 1;
}
