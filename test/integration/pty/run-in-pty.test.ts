import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { castLine, isCastHeader, parseCast } from '../../../native/pty/asciicast.ts';
import type { CastEvent, CastFrame } from '../../../native/pty/asciicast.ts';
import { exitStatusOf, runInPty } from '../../../native/pty/run-in-pty.ts';
import type { PtyExit } from '../../../native/pty/run-in-pty.ts';
import { pollUntil } from './poll-until.ts';

const CHILD = fileURLToPath(new URL('./fixtures/terminal-child.ts', import.meta.url));

interface Session {
  readonly events: CastEvent[];
  readonly chunks: Buffer[];
  readonly stdin: PassThrough;
  readonly done: Promise<PtyExit>;
  output(): string;
}

function start(mode: string[], recordInput = false): Session {
  const events: CastEvent[] = [];
  const chunks: Buffer[] = [];
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = runInPty({
    command: process.execPath,
    args: [CHILD, ...mode],
    cwd: process.cwd(),
    env: { ...process.env, TERM: 'xterm-256color' },
    cols: 100,
    rows: 30,
    recordInput,
    onEvent: (event) => events.push(event),
    stdin,
    stdout,
  });
  return { events, chunks, stdin, done, output: () => Buffer.concat(chunks).toString('utf8') };
}

function frames(events: readonly CastEvent[], code: CastFrame[1]): CastFrame[] {
  return events.filter((e): e is CastFrame => !isCastHeader(e) && e[1] === code);
}

/** True when the chunk ends inside a multi-byte UTF-8 sequence. */
function endsMidSequence(chunk: Buffer): boolean {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const byte = chunk[chunk.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back;
  }
  return false;
}

describe('runInPty on a real pseudo-terminal', () => {
  it('passes UTF-8 and colours through byte for byte and records them without U+FFFD', async () => {
    const session = start(['split-utf8']);
    expect(await session.done).toEqual({ exitCode: 0 });
    const written = Buffer.from('caf\u00e9 \u20ac \u{1F600} \x1b[31mred\x1b[0m \u65e5\u672c\r\n', 'utf8');
    // The PTY's line discipline turns the child's "\n" into "\r\n" (ONLCR); every other byte is the child's.
    expect(Buffer.concat(session.chunks)).toEqual(written);
    expect(session.chunks.some(endsMidSequence)).toBe(true);
    const output = frames(session.events, 'o');
    expect(output.length).toBeGreaterThan(1);
    expect(output.map((f) => f[2]).join('')).toBe(written.toString('utf8'));
    expect(output.some((f) => f[2].includes('\ufffd'))).toBe(false);
  });

  it('writes a cast that parses as asciicast v2 with the header we promise', async () => {
    const session = start(['split-utf8']);
    await session.done;
    const text = session.events.map((e) => `${castLine(e)}\n`).join('');
    const parsed = parseCast(text);
    if (!parsed.ok) throw new Error(`line ${parsed.line}: ${parsed.message}`);
    expect(parsed.header).toMatchObject({ version: 2, width: 100, height: 30, env: { TERM: 'xterm-256color' } });
    expect(Math.abs(parsed.header.timestamp! - Date.now() / 1000)).toBeLessThan(60);
    expect(parsed.frames.map((f) => f[2]).join('')).toBe(session.output());
  });

  it('resolves with the exit code of the child', async () => {
    const exit = await start(['exit', '3']).done;
    expect(exit).toEqual({ exitCode: 3 });
    expect(exitStatusOf(exit)).toBe(3);
  });

  it('reports the signal that killed the child, as 128+N for the caller', async () => {
    const session = start(['wait']);
    await pollUntil('ready', () => /ready pid=\d+/.test(session.output()));
    process.kill(Number(/ready pid=(\d+)/.exec(session.output())![1]), 'SIGTERM');
    const exit = await session.done;
    expect(exit.signal).toBe(15);
    expect(exitStatusOf(exit)).toBe(143);
  });

  it('keeps keystrokes out of the cast unless input recording is on', async () => {
    const session = start(['keys']);
    await pollUntil('ready', () => session.output().includes('ready'));
    session.stdin.write('secret-token');
    await pollUntil('echo', () => session.output().includes('got 7365'));
    session.stdin.write('q');
    await session.done;
    expect(frames(session.events, 'i')).toEqual([]);
    expect(JSON.stringify(session.events)).not.toContain('secret-token');
  });

  it('records keystrokes as "i" events when input recording is on', async () => {
    const session = start(['keys'], true);
    await pollUntil('ready', () => session.output().includes('ready'));
    session.stdin.write('hello \u00e9');
    await pollUntil('echo', () => session.output().includes('got 68656c6c6f20c3a9'));
    session.stdin.write('q');
    await session.done;
    expect(frames(session.events, 'i').map((f) => f[2])).toEqual(['hello \u00e9', 'q']);
  });

  it('stops recording, not the child, when the event sink throws', async () => {
    const stdout = new PassThrough();
    stdout.resume();
    let calls = 0;
    const exit = await runInPty({
      command: process.execPath,
      args: [CHILD, 'split-utf8'],
      cwd: process.cwd(),
      env: process.env,
      onEvent: () => {
        calls++;
        throw new Error('vault full');
      },
      stdin: new PassThrough(),
      stdout,
    });
    expect(exit.exitCode).toBe(0);
    expect(exit.recordingError?.message).toBe('vault full');
    expect(calls).toBe(1);
  });
});
