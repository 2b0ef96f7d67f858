// Building blocks of the socket scenarios: framing, writing in pieces, hello, damaged frames, garbage.
import { eventFrame, helloFrame, requestFrame, terminalDataFrame, terminalOpenFrame } from './base-frames.ts';
import type { Frame, FrameContext } from './base-frames.ts';
import { FuzzConnection } from './fuzz-connection.ts';
import { JsonText } from './json-text.ts';
import { mutate, mutationCount } from './mutations.ts';
import type { MutationName } from './mutations.ts';
import type { Tally } from './tally.ts';

/** What one lane's scenarios share: where to connect, what to count, how to draw. */
export interface LaneEnv {
  readonly socketPath: string;
  readonly tally: Tally;
  readonly ctx: FrameContext;
  readonly mutations: readonly MutationName[];
  /** How long a connection may take to answer everything sent before it counts as a hang. */
  readonly settleMs: number;
  /** Engine session ids seen in acks, shared by all lanes for control read-back. */
  readonly knownSessions: string[];
  readonly where: string;
  /** The lane's whole frame budget: one flood may take an eighth of it, so short runs keep their variety. */
  readonly laneBudget: number;
}

export const NL = Buffer.from('\n');

export function line(frame: Frame | Buffer, env: LaneEnv): Buffer {
  const bytes = Buffer.isBuffer(frame) ? frame : new JsonText().encode(frame);
  const x = env.ctx.rng.float();
  // CRLF is tolerated (docs/protocol.md, Framing); an empty line in between must be ignored.
  const end = x < 0.85 ? '\n' : x < 0.95 ? '\r\n' : '\n\n';
  return Buffer.concat([bytes, Buffer.from(end)]);
}

/** Writes the lines in one go or cut at random points, so frames straddle reads on the engine side. */
export function send(env: LaneEnv, conn: FuzzConnection, lines: readonly Buffer[], category: string): number {
  const all = Buffer.concat(lines);
  const { rng } = env.ctx;
  if (all.length < 2 || rng.chance(0.6)) {
    conn.write(all, lines.length, category);
    return lines.length;
  }
  const cuts = [...new Set(Array.from({ length: rng.range(1, 6) }, () => rng.range(1, all.length - 1)))].sort(
    (a, b) => a - b,
  );
  let at = 0;
  let first = true;
  for (const cut of [...cuts, all.length]) {
    conn.write(all.subarray(at, cut), first ? lines.length : 0, category);
    first = false;
    at = cut;
  }
  return lines.length;
}

export function remember(env: LaneEnv, conn: FuzzConnection): void {
  for (const s of conn.ackSessions) {
    if (env.knownSessions.length >= 500) return;
    if (!env.knownSessions.includes(s)) env.knownSessions.push(s);
  }
}

export async function open(env: LaneEnv, category: string): Promise<FuzzConnection | null> {
  env.tally.add(env.tally.connections, category);
  return FuzzConnection.open(env.socketPath, env.tally, `${env.where} ${category}`);
}

export async function withHello(
  env: LaneEnv,
  category: string,
  api: 'ingest' | 'control' = 'ingest',
): Promise<FuzzConnection | null> {
  const conn = await open(env, category);
  conn?.write(line(helloFrame(env.ctx.rng, api), env), 1, category);
  return conn;
}

export function mutatedLine(env: LaneEnv, frame: Frame): Buffer {
  const m = mutate(env.ctx.rng, frame, env.mutations, mutationCount(env.ctx.rng));
  for (const name of m.mutations) env.tally.add(env.tally.mutations, name);
  return line(m.bytes, env);
}

export function anyFrame(env: LaneEnv): Frame {
  const { rng } = env.ctx;
  const x = rng.float();
  if (x < 0.8) return eventFrame(env.ctx);
  const tid = `term-${env.ctx.lane}-${rng.int(4)}`;
  if (x < 0.9) return rng.chance(0.5) ? terminalOpenFrame(env.ctx, tid) : terminalDataFrame(env.ctx, tid, 0);
  return rng.chance(0.5) ? requestFrame(env.ctx) : helloFrame(rng);
}

export const GARBAGE_TEXT = [
  '{',
  '}',
  '[]',
  'null',
  '1',
  '"str"',
  '{"type":null}',
  '{}',
  '   ',
  '\t',
  'GET / HTTP/1.1',
  '{"type":"event"',
  '{"type":"event","id":1,"event":',
  '\u00ff\u00fe',
  '{"a":1}{"b":2}',
  '{"type":"hello","id":"h","protocol":1,"client":"test","api":"ingest"} trailing',
];

export function garbage(env: LaneEnv): Buffer {
  const { rng } = env.ctx;
  if (rng.chance(0.5)) return Buffer.from(rng.pick(GARBAGE_TEXT));
  const bytes = rng.bytes(rng.range(1, 2048));
  // Random bytes with the newlines taken out: one garbage chunk is one line.
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) bytes[i] = 0x20;
  return bytes;
}

export function bulk(env: LaneEnv): number {
  return Math.max(50, Math.floor(env.laneBudget / 8));
}
