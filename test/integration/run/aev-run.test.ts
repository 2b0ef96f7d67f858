import { spawn } from '@lydell/node-pty';
import type { IPty } from '@lydell/node-pty';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCast } from '../../../native/pty/asciicast.ts';
import type { CastFrame } from '../../../native/pty/asciicast.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import {
  terminalCloseFrameSchema,
  terminalDataFrameSchema,
  terminalOpenFrameSchema,
} from '../../../electron/common/protocol/frames.ts';
import type { TerminalCloseFrame, TerminalOpenFrame } from '../../../electron/common/protocol/frames.ts';
import { AEV_BIN, runAev } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { pollUntil } from '../pty/poll-until.ts';
import { startFakeIngestServer } from './fake-ingest-server.ts';
import type { ClientFrame, FakeIngestServer } from './fake-ingest-server.ts';
import { agentOutput } from './fixtures/agent-output.ts';

// `aev run` as a person runs it: the real CLI (bin/aev.js from source) inside a real terminal (node-pty
// plays the terminal emulator), recording to either nothing or a fake engine on the real socket path.
const AGENT = fileURLToPath(new URL('./fixtures/agent.ts', import.meta.url));
const NODE = process.execPath;
const NOT_RECORDING = 'aev: not recording this terminal: ';
const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

let tmp: ReturnType<typeof makeTempDir>;
let dataRoot: string;
let fake: FakeIngestServer | undefined;
let terminal: IPty | undefined;

beforeEach(() => {
  tmp = makeTempDir('aev-run-');
  dataRoot = path.join(tmp.dir, 'home');
});

afterEach(async () => {
  terminal?.kill('SIGKILL');
  terminal = undefined;
  await fake?.close();
  fake = undefined;
  tmp.cleanup();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmp.dir,
    AEV_FROM_SOURCE: '1',
    AEV_HOME: dataRoot,
    TERM: 'xterm-256color',
    SHELL: '/bin/sh',
    ...extra,
  };
}

interface Terminal {
  /** Everything the terminal has received so far. */
  readonly read: () => string;
  readonly pty: IPty;
  /** `aev run`'s exit status. */
  readonly exited: Promise<number>;
}

/**
 * An 80x24 terminal running `aev <args>`. Output post-processing is turned off first (stty -opost) so
 * the terminal receives exactly the bytes `aev run` writes, which the cast must reproduce.
 */
function openTerminal(args: string[], extraEnv: Record<string, string> = {}): Terminal {
  const command = `stty -opost && exec ${[NODE, AEV_BIN, ...args].map(q).join(' ')}`;
  const pty = spawn('sh', ['-c', command], {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd: tmp.dir,
    env: env(extraEnv),
  });
  terminal = pty;
  let text = '';
  pty.onData((data) => {
    text += data;
  });
  const exited = new Promise<number>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      resolve(signal ? 128 + signal : exitCode);
    });
  });
  return { read: () => text, pty, exited };
}

async function startFake(): Promise<FakeIngestServer> {
  fake = await startFakeIngestServer(runtimePaths(dataRoot).socketPath);
  return fake;
}

interface Recording {
  readonly open: TerminalOpenFrame;
  readonly events: CastFrame[];
  readonly close: TerminalCloseFrame;
  readonly dataFrames: number;
}

/** Checks the frames' order and schemas and returns what they hold. */
function recordingOf(server: FakeIngestServer): Recording {
  const [first, ...others] = server.frames;
  const last = others.pop();
  expect(server.hellos.map(({ id: _id, ...hello }) => hello)).toEqual([
    { type: 'hello', protocol: 1, client: 'run', api: 'ingest' },
  ]);
  const open = terminalOpenFrameSchema.parse(first);
  const close = terminalCloseFrameSchema.parse(last);
  const data = others.map((f) => terminalDataFrameSchema.parse(f));
  for (const f of [open, ...data, close]) expect(f.terminalId).toBe(open.terminalId);
  const ids = server.frames.map((f: ClientFrame) => f.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const line of server.lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(256 * 1024);
  const events = data.flatMap((f) => f.events) as CastFrame[];
  // The header and events together are a valid asciicast v2 recording (times never go back).
  const header = { version: 2, width: open.width, height: open.height, timestamp: open.timestamp, env: open.env };
  const cast = [header, ...events].map((e) => JSON.stringify(e)).join('\n');
  const parsed = parseCast(cast);
  expect(parsed.ok ? 'ok' : parsed.message).toBe('ok');
  return { open, events, close, dataFrames: data.length };
}

const outputOf = (events: readonly CastFrame[]): string =>
  events
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');

describe('aev run with an engine', () => {
  it('streams the session: open with the header and command, output byte for byte, close with the exit code', async () => {
    const server = await startFake();
    const startedAt = Math.floor(Date.now() / 1000);
    const t = openTerminal(['run', '--', NODE, AGENT, 'output', '3']);
    expect(await t.exited).toBe(3);
    await pollUntil('all output', () => t.read().endsWith('done\r\n'));
    const { open, events, close, dataFrames } = recordingOf(server);
    expect(open).toMatchObject({
      agent: 'generic',
      command: [NODE, AGENT, 'output', '3'],
      width: 80,
      height: 24,
      env: { SHELL: '/bin/sh', TERM: 'xterm-256color' },
      recordInput: false,
    });
    expect(open.terminalId).toMatch(/^t_[a-z2-7]{20}$/);
    expect(open.timestamp).toBeGreaterThanOrEqual(startedAt);
    expect(open.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // The agent got the terminal's id in its environment, for its hook events.
    const expected = agentOutput(open.terminalId).replaceAll('\n', '\r\n');
    expect(t.read()).toBe(expected);
    expect(outputOf(events)).toBe(expected);
    expect(events.every((e) => e[1] === 'o')).toBe(true);
    expect(dataFrames).toBeGreaterThanOrEqual(2);
    expect(close).toEqual({ type: 'terminal.close', id: close.id, terminalId: open.terminalId, exitCode: 3 });
  });

  it('records a resize before the output drawn at the new size, and no keystrokes', async () => {
    const server = await startFake();
    const t = openTerminal(['run', '--', NODE, AGENT, 'winch']);
    await pollUntil('the agent to start', () => t.read().includes('start 80x24'));
    t.pty.resize(100, 30);
    await pollUntil('the agent to see the new size', () => t.read().includes('size 100x30'));
    t.pty.write('q');
    expect(await t.exited).toBe(0);
    const { events, close } = recordingOf(server);
    const resizeAt = events.findIndex((e) => e[1] === 'r');
    expect(events[resizeAt]?.[2]).toBe('100x30');
    expect(resizeAt).toBeLessThan(events.findIndex((e) => e[1] === 'o' && e[2].includes('size 100x30')));
    expect(events.some((e) => e[1] === 'i')).toBe(false);
    expect(close).toMatchObject({ exitCode: 0 });
    expect(close.signal).toBeUndefined();
  });

  it('records keystrokes with --record-input, and says so in terminal.open', async () => {
    const server = await startFake();
    const t = openTerminal(['run', '--record-input', '--', NODE, AGENT, 'winch']);
    await pollUntil('the agent to start', () => t.read().includes('start 80x24'));
    t.pty.write('q');
    expect(await t.exited).toBe(0);
    const { open, events } = recordingOf(server);
    expect(open.recordInput).toBe(true);
    expect(events.filter((e) => e[1] === 'i').map((e) => e[2])).toEqual(['q']);
  });

  it('exits 143 when the agent dies of SIGTERM, and closes with the signal', async () => {
    const server = await startFake();
    const t = openTerminal(['run', '--', NODE, AGENT, 'wait']);
    await pollUntil('the agent to start', () => /ready pid=\d+/.test(t.read()));
    const pid = Number(/ready pid=(\d+)/.exec(t.read())?.[1]);
    process.kill(pid, 'SIGTERM');
    expect(await t.exited).toBe(143);
    const { close } = recordingOf(server);
    expect(close.signal).toBe(15);
  });

  it('names the agent from the program it starts: claude is claude-code', async () => {
    const server = await startFake();
    const bin = path.join(tmp.dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\nexec ${q(NODE)} ${q(AGENT)} "$@"\n`, { mode: 0o755 });
    const t = openTerminal(['run', '--', 'claude', 'output', '0'], { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(await t.exited).toBe(0);
    const { open } = recordingOf(server);
    expect(open).toMatchObject({ agent: 'claude-code', command: ['claude', 'output', '0'] });
  });

  it('says once that it stops recording when the engine hangs up, and the agent runs on untouched', async () => {
    const server = await startFake();
    server.fate = (frame) => (frame.type === 'terminal.data' ? 'hang-up' : 'answer');
    const t = openTerminal(['run', '--', NODE, AGENT, 'two-parts', '5']);
    expect(await t.exited).toBe(5);
    const warning = `${NOT_RECORDING}the engine closed the connection; start the engine with \`aev daemon\`\n`;
    expect(t.read().split(NOT_RECORDING)).toHaveLength(2);
    expect(t.read().replace(warning, '')).toBe('first part\r\nsecond part\r\n');
  });

  it('says once why when the engine refuses the terminal, and the agent runs on untouched', async () => {
    const server = await startFake();
    server.fate = (frame) =>
      frame.type === 'terminal.open'
        ? { error: 'E_UNKNOWN_TYPE', message: 'unknown frame type terminal.open' }
        : 'answer';
    const t = openTerminal(['run', '--', NODE, AGENT, 'two-parts', '0']);
    expect(await t.exited).toBe(0);
    const warning = `${NOT_RECORDING}the engine refused it: unknown frame type terminal.open [E_UNKNOWN_TYPE]\n`;
    expect(t.read().split(NOT_RECORDING)).toHaveLength(2);
    expect(t.read().replace(warning, '')).toBe('first part\r\nsecond part\r\n');
  });
});

describe('aev run without an engine', () => {
  it('runs the agent anyway: output and exit code pass through, with one line saying it is not recorded', async () => {
    const t = openTerminal(['run', '--', NODE, AGENT, 'output', '7']);
    expect(await t.exited).toBe(7);
    await pollUntil('all output', () => t.read().includes('done\r\n'));
    const socketPath = runtimePaths(dataRoot).socketPath;
    const warning = `${NOT_RECORDING}no engine is listening at ${socketPath}; start the engine with \`aev daemon\`\n`;
    expect(t.read().split(NOT_RECORDING)).toHaveLength(2);
    const output = t.read().replace(warning, '');
    const terminalId = /terminal=(t_[a-z2-7]{20})/.exec(output)?.[1] ?? '';
    expect(output).toBe(agentOutput(terminalId).replaceAll('\n', '\r\n'));
  });

  it('starts the agent before an engine that never answers has been given up on', async () => {
    // A socket that accepts and says nothing: the connect timeout (3 s) runs while the agent already works.
    const socketPath = runtimePaths(dataRoot).socketPath;
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    const connections = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      connections.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
    try {
      const t = openTerminal(['run', '--', NODE, AGENT, 'wait']);
      await pollUntil('the agent to start', () => t.read().includes('ready pid='));
      expect(t.read()).not.toContain(NOT_RECORDING);
      await pollUntil('the warning', () => t.read().includes(NOT_RECORDING), 10_000);
      expect(t.read()).toContain(`${NOT_RECORDING}the engine at ${socketPath} did not answer within 3000 ms;`);
      const pid = Number(/ready pid=(\d+)/.exec(t.read())?.[1]);
      process.kill(pid, 'SIGTERM');
      expect(await t.exited).toBe(143);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('runs with --no-record without touching the engine or setting AEV_TERMINAL_ID', async () => {
    const t = openTerminal(['run', '--no-record', '--', NODE, AGENT, 'output', '0']);
    expect(await t.exited).toBe(0);
    await pollUntil('all output', () => t.read().includes('done\r\n'));
    expect(t.read()).toBe(agentOutput('none').replaceAll('\n', '\r\n'));
  });
});

describe('aev run refusals', () => {
  it.each([
    [['run'], 'no command to run'],
    [['run', '--bogus', '--', 'sh'], 'unknown option "--bogus"'],
  ])('%j is a usage error (exit 2)', async (args, why) => {
    const r = await runAev(args, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stderr).toContain('usage: aev run');
  });

  it('exits 127 like a shell for a command that does not exist, 126 for one that is not executable', async () => {
    const missing = await runAev(['run', '--', 'no-such-agent-xyz'], env());
    expect(missing).toMatchObject({ code: 127, stdout: '' });
    expect(missing.stderr).toBe('aev: cannot run no-such-agent-xyz: command not found\n');
    const notes = path.join(tmp.dir, 'notes.txt');
    fs.writeFileSync(notes, 'text\n', { mode: 0o644 });
    const denied = await runAev(['run', '--', notes], env());
    expect(denied.code).toBe(126);
    expect(denied.stderr).toContain('permission denied');
  });
});
