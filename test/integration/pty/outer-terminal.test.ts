import { spawn } from '@lydell/node-pty';
import type { IPty } from '@lydell/node-pty';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCastHeader, parseCast } from '../../../native/pty/asciicast.ts';
import type { ParsedCast } from '../../../native/pty/asciicast.ts';
import { pollUntil } from './poll-until.ts';

// The runner driven from a real terminal: node-pty plays the person's terminal emulator, and the driver
// (standing in for `aev run`) runs inside it with a TTY stdin/stdout, exactly as the CLI will.
const DRIVER = fileURLToPath(new URL('./fixtures/pty-driver.ts', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/terminal-child.ts', import.meta.url));
const STTY_STATE = /^[0-9a-f]+(?::[0-9a-f]+)+$/;

let dir: string;
let terminal: IPty | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-'));
});

afterEach(() => {
  terminal?.kill('SIGKILL');
  terminal = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Opens an 80x24 terminal running: stty -g; driver <child mode>; echo status=$?; stty -g. With `bare`, the
 * driver runs alone as the terminal's controlling process, as `aev run` does when a terminal starts it.
 */
function openTerminal(childMode: string, bare = false): { read: () => string; castPath: string; pty: IPty } {
  const castPath = path.join(dir, 'session.cast');
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const driverArgs = [DRIVER, castPath, '0', process.execPath, CHILD, childMode];
  const driver = [process.execPath, ...driverArgs].map(q).join(' ');
  const [file, args] = bare
    ? [process.execPath, driverArgs]
    : ['sh', ['-c', `stty -g; ${driver}; echo "status=$?"; stty -g; sleep 60`]];
  const pty = spawn(file, args, {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd: dir,
    env: { ...process.env, TERM: 'xterm-256color' },
  });
  terminal = pty;
  let text = '';
  pty.onData((data) => {
    text += data;
  });
  return { read: () => text, castPath, pty };
}

function readCast(castPath: string): ParsedCast {
  const parsed = parseCast(fs.readFileSync(castPath, 'utf8'));
  if (!parsed.ok) throw new Error(`cast line ${parsed.line}: ${parsed.message}`);
  return parsed;
}

/** The two `stty -g` lines printed before and after the driver ran. */
function terminalStates(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => STTY_STATE.test(line.trim()));
}

describe('aev run inside a real terminal', () => {
  it('forwards a resize to the child, records it, and restores the terminal mode', async () => {
    const { read, castPath, pty } = openTerminal('winch');
    await pollUntil('the child to start', () => read().includes('start 80x24'));
    pty.resize(120, 40);
    await pollUntil('the child to see the new size', () => read().includes('size 120x40'));
    pty.write('q');
    await pollUntil('the driver to exit', () => read().includes('status='));
    expect(read()).toContain('status=0');
    const cast = readCast(castPath);
    expect(cast.header).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(cast.frames.filter((f) => f[1] === 'r').map((f) => f[2])).toEqual(['120x40']);
    const resizeAt = cast.frames.findIndex((f) => f[1] === 'r');
    const sizeAt = cast.frames.findIndex((f) => f[1] === 'o' && f[2].includes('size 120x40'));
    expect(resizeAt).toBeLessThan(sizeAt);
    await pollUntil('the final stty', () => terminalStates(read()).length === 2);
    const [before, after] = terminalStates(read());
    expect(after).toBe(before);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('passes %s on to the child, exits like it, and restores the terminal mode', async (signal, status) => {
    const { read, castPath } = openTerminal('wait');
    await pollUntil('the child to start', () => read().includes('ready pid='));
    const driverPid = Number(fs.readFileSync(`${castPath}.pid`, 'utf8'));
    process.kill(driverPid, signal);
    await pollUntil('the driver to exit', () => read().includes('status='));
    expect(read()).toContain(`caught ${signal}`);
    expect(read()).toContain(`status=${status}`);
    await pollUntil('the final stty', () => terminalStates(read()).length === 2);
    const [before, after] = terminalStates(read());
    expect(after).toBe(before);
    const cast = readCast(castPath);
    expect(isCastHeader(cast.header)).toBe(true);
    expect(cast.frames.some((f) => f[2].includes(`caught ${signal}`))).toBe(true);
  });

  it('survives its terminal hanging up: passes SIGHUP on and still finishes the cast', async () => {
    const { read, castPath, pty } = openTerminal('wait', true);
    await pollUntil('the child to start', () => read().includes('ready pid='));
    const driverPid = Number(fs.readFileSync(`${castPath}.pid`, 'utf8'));
    // node-pty's Unix terminal closes the master side with destroy() (not in its typings): the kernel then
    // sends SIGHUP to the terminal's controlling process, the driver.
    (pty as IPty & { destroy(): void }).destroy();
    await pollUntil('the driver to exit', () => !isAlive(driverPid));
    const cast = readCast(castPath);
    expect(cast.frames.some((f) => f[1] === 'o' && f[2].includes('caught SIGHUP'))).toBe(true);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
