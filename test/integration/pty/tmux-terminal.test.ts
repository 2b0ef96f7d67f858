import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCast } from '../../../native/pty/asciicast.ts';
import { pollUntil } from './poll-until.ts';

// Ctrl-C typed at a real terminal emulator (tmux, Debian package `tmux`): in raw mode the key is a byte
// for the child's own terminal, never a SIGINT that kills the runner around it.
const DRIVER = fileURLToPath(new URL('./fixtures/pty-driver.ts', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/terminal-child.ts', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('skipping the tmux terminal tests: tmux is not installed (apt-get install tmux)');

let dir: string;
const socket = `aev-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-'));
});

afterEach(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the driver in a detached 80x24 tmux session; the shell around it records its status and tty mode. */
function startInTmux(childMode: string): { screen: () => string; status: () => string | null; cast: string } {
  const cast = path.join(dir, 'session.cast');
  const statusFile = path.join(dir, 'status');
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const driver = [process.execPath, DRIVER, cast, '0', process.execPath, CHILD, childMode].map(q).join(' ');
  const script = [
    `stty -g > ${q(path.join(dir, 'before'))}`,
    driver,
    `echo $? > ${q(statusFile + '.tmp')}`,
    `stty -g > ${q(path.join(dir, 'after'))}`,
    `mv ${q(statusFile + '.tmp')} ${q(statusFile)}`,
    'sleep 60',
  ].join('; ');
  tmux('new-session', '-d', '-s', 'aev', '-x', '80', '-y', '24', `sh -c ${q(script)}`);
  return {
    screen: () => tmux('capture-pane', '-p', '-t', 'aev'),
    status: () => (fs.existsSync(statusFile) ? fs.readFileSync(statusFile, 'utf8').trim() : null),
    cast,
  };
}

function terminalModeRestored(): boolean {
  return fs.readFileSync(path.join(dir, 'before'), 'utf8') === fs.readFileSync(path.join(dir, 'after'), 'utf8');
}

describe.skipIf(!hasTmux)('aev run in tmux', () => {
  it('hands Ctrl-C to a raw-mode child as the byte 0x03 and keeps running', async () => {
    const run = startInTmux('keys');
    await pollUntil('the child to start', () => run.screen().includes('ready'));
    tmux('send-keys', '-t', 'aev', 'C-c');
    await pollUntil('the child to see Ctrl-C', () => run.screen().includes('got 03'));
    tmux('send-keys', '-t', 'aev', 'q');
    await pollUntil('the driver to exit', () => run.status() !== null);
    expect(run.status()).toBe('0');
    expect(terminalModeRestored()).toBe(true);
    const cast = parseCast(fs.readFileSync(run.cast, 'utf8'));
    expect(cast.ok && cast.frames.some((f) => f[2].includes('got 03'))).toBe(true);
  });

  it('lets Ctrl-C interrupt a child in cooked mode through its own terminal, and exits 130 like it', async () => {
    const run = startInTmux('wait');
    await pollUntil('the child to start', () => run.screen().includes('ready pid='));
    tmux('send-keys', '-t', 'aev', 'C-c');
    await pollUntil('the driver to exit', () => run.status() !== null);
    expect(run.screen()).toContain('caught SIGINT');
    expect(run.status()).toBe('130');
    expect(terminalModeRestored()).toBe(true);
  });
});
