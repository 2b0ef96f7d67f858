import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

describe('aev daemon', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('creates the vault on first run and prints the next steps', async () => {
    const dataRoot = path.join(tmp.dir, 'first');
    const d = await startDaemon(dataRoot);
    expect(d.stdout()).toContain('created a new encrypted vault');
    expect(d.stdout()).toContain('aev hooks install --agent claude-code');
    expect(await d.stop()).toBe(0);
  });

  it('allows one daemon per data root and names the process holding it', async () => {
    const dataRoot = path.join(tmp.dir, 'locked');
    const first = await startDaemon(dataRoot);
    const second = await runAev(['daemon'], testEnv(dataRoot));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`pid ${String(first.child.pid)}`);
    expect(second.stderr).toContain('E_DAEMON_LOCKED');
    expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await first.stop();
  });

  it('takes over a stale lock and a stale socket left by a killed daemon', async () => {
    const dataRoot = path.join(tmp.dir, 'stale');
    const first = await startDaemon(dataRoot);
    await first.kill9();
    expect(fs.existsSync(first.paths.socketPath)).toBe(true);
    const second = await startDaemon(dataRoot);
    expect(second.stdout()).toContain('did not stop cleanly');
    expect(await second.stop()).toBe(0);
    expect(fs.existsSync(second.paths.socketPath)).toBe(false);
    expect(fs.existsSync(second.paths.lockPath)).toBe(false);
  });

  it('explains how to create a vault when there is none and no passphrase', async () => {
    const dataRoot = path.join(tmp.dir, 'novault');
    const env = testEnv(dataRoot);
    delete env.AEV_PASSPHRASE_FILE;
    const r = await runAev(['daemon'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('aev init');
    expect(r.stderr).toContain('E_VAULT_MISSING');
  });

  it('refuses a wrong passphrase with a clear message', async () => {
    const dataRoot = path.join(tmp.dir, 'wrongpass');
    const d = await startDaemon(dataRoot);
    await d.stop();
    const badFile = path.join(tmp.dir, 'bad.pass');
    fs.writeFileSync(badFile, 'not the passphrase\n', { mode: 0o600 });
    const r = await runAev(['daemon'], testEnv(dataRoot, { AEV_PASSPHRASE_FILE: badFile }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_BAD_PASSPHRASE');
  });

  it('aev status reports a running engine, and exit 1 with a clear line when none runs', async () => {
    const dataRoot = path.join(tmp.dir, 'status');
    const env = testEnv(dataRoot);
    const down = await runAev(['status'], env);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('not running');
    const d = await startDaemon(dataRoot);
    const up = await runAev(['status', '--json'], env);
    expect(up.code).toBe(0);
    const status = JSON.parse(up.stdout) as { running: boolean; pid: number; recording: boolean };
    expect(status).toMatchObject({ running: true, pid: d.child.pid, recording: true });
    await d.stop();
  });
});

describe('a data root too deep for a socket path', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('moves the runtime folder to a private per-user temp folder and still works', async () => {
    const dataRoot = path.join(tmp.dir, 'a-very-long-folder-name-to-overflow-sun-path'.repeat(2), 'data');
    fs.mkdirSync(path.dirname(dataRoot), { recursive: true });
    const d = await startDaemon(dataRoot);
    expect(d.paths.runtimeDir.startsWith(dataRoot)).toBe(false);
    expect(fs.statSync(d.paths.runtimeDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(d.paths.runtimeDir)).mode & 0o077).toBe(0);
    const status = await runAev(['status', '--json'], testEnv(dataRoot));
    expect(status.code).toBe(0);
    expect(await d.stop()).toBe(0);
  });

  it('prefers $XDG_RUNTIME_DIR, which only the user can write, over the shared temp folder', async () => {
    const dataRoot = path.join(tmp.dir, 'another-very-long-folder-name-to-overflow-sun-path'.repeat(2), 'data');
    fs.mkdirSync(path.dirname(dataRoot), { recursive: true });
    const xdg = path.join(tmp.dir, 'xdg');
    fs.mkdirSync(xdg, { mode: 0o700 });
    const d = await startDaemon(dataRoot, { XDG_RUNTIME_DIR: xdg });
    try {
      expect(d.paths.runtimeDir.startsWith(path.join(xdg, 'agent-evidence') + path.sep)).toBe(true);
      expect(fs.statSync(d.paths.socketPath).isSocket()).toBe(true);
      expect(fs.statSync(path.dirname(d.paths.runtimeDir)).mode & 0o077).toBe(0);
      const status = await runAev(['status', '--json'], testEnv(dataRoot, { XDG_RUNTIME_DIR: xdg }));
      expect(status.code).toBe(0);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});
