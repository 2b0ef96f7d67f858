import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CastFrame, CastHeader } from '../../../native/pty/asciicast.ts';
import { TerminalStream } from '../../../electron/cli/run/terminal-stream.ts';
import type { StreamLimits } from '../../../electron/cli/run/terminal-stream.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { terminalDataFrameSchema } from '../../../electron/common/protocol/frames.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { pollUntil } from '../pty/poll-until.ts';
import { startFakeIngestServer } from './fake-ingest-server.ts';
import type { FakeIngestServer } from './fake-ingest-server.ts';

// The stream on its own, against a fake engine on a real Unix socket, with small limits so the memory
// bound, the pipelining window and the timeouts can be reached quickly.
const HEADER: CastHeader = { version: 2, width: 80, height: 24, timestamp: 1_700_000_000, env: { TERM: 'xterm' } };

let tmp: ReturnType<typeof makeTempDir>;
let socketPath: string;
let fake: FakeIngestServer | undefined;

beforeEach(() => {
  tmp = makeTempDir('aev-stream-');
  socketPath = runtimePaths(path.join(tmp.dir, 'home')).socketPath;
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  tmp.cleanup();
});

function newStream(limits: Partial<StreamLimits>): { stream: TerminalStream; warnings: string[] } {
  const warnings: string[] = [];
  const stream = new TerminalStream({
    socketPath,
    terminal: { terminalId: 't_testtesttesttesttest', agent: 'generic', command: ['agent'], recordInput: false },
    warn: (line) => warnings.push(line),
    limits,
  });
  return { stream, warnings };
}

const dataEvents = (server: FakeIngestServer): CastFrame[] =>
  server.frames
    .filter((f) => f.type === 'terminal.data')
    .flatMap((f) => terminalDataFrameSchema.parse(f).events as CastFrame[]);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('TerminalStream', () => {
  it('keeps at most its window of frames unanswered, bounds memory while the engine is stuck, and marks the gap', async () => {
    const server = await startFakeIngestServer(socketPath);
    fake = server;
    server.fate = () => 'hold';
    const { stream, warnings } = newStream({
      maxFrameBytes: 4096,
      maxBufferedBytes: 64 * 1024,
      maxUnansweredFrames: 2,
      flushIntervalMs: 10,
    });
    stream.start();
    stream.accept(HEADER);
    await pollUntil('the open frame', () => server.frames.length === 1);
    const chunk = 'o'.repeat(1000);
    let fed = 0;
    for (let i = 0; i < 1000; i++) {
      stream.accept([i / 1000, 'o', chunk]);
      fed += chunk.length;
    }
    await pollUntil('the window to fill', () => server.frames.length === 2);
    await sleep(200);
    expect(server.frames).toHaveLength(2);
    expect(warnings).toEqual([
      'aev: the recorder is falling behind; terminal output is not recorded while 64 KiB wait for it (the gap is marked in the recording)',
    ]);
    server.fate = () => 'answer';
    server.release();
    expect(await stream.finish({ exitCode: 0 }, 5000)).toBe('confirmed');
    const events = dataEvents(server);
    const recorded = events.filter((e) => e[1] === 'o').reduce((n, e) => n + e[2].length, 0);
    // What was held never passed the bound plus the window of frames in flight.
    expect(recorded).toBeLessThanOrEqual(64 * 1024 + 2 * 4096);
    expect(recorded).toBeGreaterThanOrEqual(32 * 1024);
    expect(events.at(-1)).toEqual([
      0.999,
      'm',
      `aev: ${fed - recorded} bytes of terminal data not recorded (the recorder fell behind)`,
    ]);
    expect(server.frames.at(-1)).toMatchObject({ type: 'terminal.close', exitCode: 0 });
    expect(warnings).toHaveLength(1);
  });

  it('gives up on an engine that never answers hello: one line, and finish does not wait for it', async () => {
    const silent = net.createServer(() => undefined);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
    try {
      const { stream, warnings } = newStream({ connectTimeoutMs: 300 });
      stream.start();
      stream.accept(HEADER);
      stream.accept([0.1, 'o', 'hello']);
      const started = performance.now();
      expect(await stream.finish({ exitCode: 0 }, 5000)).toBe('not-recording');
      expect(performance.now() - started).toBeLessThan(2000);
      expect(warnings).toEqual([
        `aev: not recording this terminal: the engine at ${socketPath} did not answer within 300 ms; start the engine with \`aev daemon\``,
      ]);
    } finally {
      silent.close();
    }
  });

  it('says once that the end was not confirmed when the engine keeps terminal.close unanswered', async () => {
    const server = await startFakeIngestServer(socketPath);
    fake = server;
    server.fate = (frame) => (frame.type === 'terminal.close' ? 'hold' : 'answer');
    const { stream, warnings } = newStream({});
    stream.start();
    stream.accept(HEADER);
    stream.accept([0.1, 'o', 'hello']);
    expect(await stream.finish({ exitCode: 1, signal: 9 }, 300)).toBe('unconfirmed');
    expect(server.frames.map((f) => f.type)).toEqual(['terminal.open', 'terminal.data', 'terminal.close']);
    expect(server.frames[2]).toMatchObject({ exitCode: 1, signal: 9 });
    expect(warnings).toEqual([
      'aev: the engine did not confirm the end of this terminal within 0.3 s; its last output may be missing from the recording',
    ]);
  });

  it('sends a batch within the flush interval, without waiting for it to fill', async () => {
    const server = await startFakeIngestServer(socketPath);
    fake = server;
    const { stream } = newStream({ flushIntervalMs: 200 });
    stream.start();
    stream.accept(HEADER);
    stream.accept([0.01, 'o', 'a']);
    stream.accept([0.02, 'o', 'b']);
    await pollUntil('the batch', () => server.frames.length === 2, 2000);
    expect(dataEvents(server)).toEqual([
      [0.01, 'o', 'a'],
      [0.02, 'o', 'b'],
    ]);
    expect(await stream.finish({ exitCode: 0 }, 5000)).toBe('confirmed');
  });
});
