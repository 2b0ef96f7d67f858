import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { controlRequest } from '../../../electron/engine/client/control-request.ts';
import { EngineMonitor } from '../../../electron/engine/host/engine-monitor.ts';
import { decideEngineHost } from '../../../electron/engine/host/host-decision.ts';
import { startHostedEngine, stopHostedEngine } from '../../../electron/engine/host/hosted-engine.ts';
import { SealedFileKeyring, safeStorageKeyringInfo } from '../../../electron/engine/host/sealed-file-keyring.ts';
import type { SecretCipher } from '../../../electron/engine/host/sealed-file-keyring.ts';
import type { EngineLink } from '../../../electron/engine/host/tray-view.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { forkEngineProcess, idleChild, standInCipher } from '../../helpers/engine-host.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { expectAevError } from '../../unit/engine/vault/expect-aev-error.ts';

const PASSPHRASE = `recovery ${randomBytes(8).toString('hex')}`;

let tmp: ReturnType<typeof makeTempDir>;
let dataRoot: string;
let children: ChildProcess[];
let daemons: DaemonProcess[];

beforeEach(() => {
  tmp = makeTempDir();
  dataRoot = path.join(tmp.dir, 'data');
  children = [];
  daemons = [];
});
afterEach(async () => {
  for (const d of daemons) if (d.child.exitCode === null) await d.stop();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

const forkEngine = (): ReturnType<typeof forkEngineProcess> => forkEngineProcess(dataRoot, children);

function appKeyring(linuxBackend: 'gnome_libsecret' | 'basic_text', cipher: SecretCipher): SealedFileKeyring {
  const info = safeStorageKeyringInfo('linux', true, linuxBackend);
  if (info === null) throw new Error('unreachable');
  return new SealedFileKeyring(path.join(tmp.dir, 'app-keys'), cipher, info);
}

describe('the app hosts the engine or connects to the one already running', () => {
  it('hosts on a free data root, connects to a running daemon, waits on a live lock, takes over a stale one', async () => {
    expect(await decideEngineHost(dataRoot)).toMatchObject({ mode: 'host', staleLock: null });

    const daemon = await startDaemon(dataRoot);
    daemons.push(daemon);
    const decision = await decideEngineHost(dataRoot, { env: testEnv(dataRoot) });
    expect(decision).toMatchObject({ mode: 'connect', socketPath: daemon.paths.socketPath });
    if (decision.mode === 'connect') expect(decision.status.pid).toBe(daemon.child.pid);
    await daemon.stop();
    expect(fs.existsSync(daemon.paths.lockPath)).toBe(false);

    // A live process holds the lock but nothing answers (an engine starting, or hung): wait, never host.
    const holder = idleChild(children);
    const lockPath = runtimePaths(dataRoot).lockPath;
    fs.writeFileSync(lockPath, JSON.stringify({ pid: holder.pid, startedAt: new Date().toISOString() }));
    expect(await decideEngineHost(dataRoot)).toMatchObject({ mode: 'wait', holder: { pid: holder.pid } });

    // Its holder gone, the lock is stale: host, and the engine records the unclean stop.
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await decideEngineHost(dataRoot)).toMatchObject({ mode: 'host', staleLock: { pid: holder.pid } });
  });

  it('runs the engine in its own process with the key from the app keyring, over the channel only', async () => {
    const cipher = standInCipher();
    const keyring = appKeyring('gnome_libsecret', cipher);

    // First run: no vault yet. The passphrase and the keyring's secret travel over the channel.
    const first = forkEngine();
    const ready = await startHostedEngine(first, { dataRoot, keyring, passphrase: PASSPHRASE });
    expect(ready).toMatchObject({ createdVault: true, pid: first.pid, previousStopUnclean: false });
    if (process.platform === 'linux') {
      const environ = fs.readFileSync(`/proc/${String(first.pid)}/environ`, 'utf8');
      const cmdline = fs.readFileSync(`/proc/${String(first.pid)}/cmdline`, 'utf8');
      expect(environ.includes(PASSPHRASE) || cmdline.includes(PASSPHRASE)).toBe(false);
    }
    // Main (and a second app instance) now see an engine to connect to, on the same socket.
    const seen = await decideEngineHost(dataRoot);
    expect(seen).toMatchObject({ mode: 'connect', socketPath: ready.socketPath });
    const status = (await controlRequest(ready.socketPath, 'status', {})) as EngineStatus;
    expect(status).toMatchObject({ pid: first.pid, dataRoot, vault: { unlockedBy: 'passphrase' } });
    const links: EngineLink[] = [];
    const monitor = new EngineMonitor({ socketPath: ready.socketPath, hosted: true }, (l) => links.push(l));
    expect(await monitor.poll()).toMatchObject({ state: 'connected', hosted: true, status: { pid: first.pid } });
    expect(await stopHostedEngine(first)).toBe(0);
    expect(await monitor.poll()).toMatchObject({ state: 'failed', code: 'E_DAEMON_UNREACHABLE' });
    expect(links.map((l) => l.state)).toEqual(['connected', 'failed']);
    expect(await decideEngineHost(dataRoot)).toMatchObject({ mode: 'host', staleLock: null });

    // Next start: no passphrase at all; the app keyring unlocks the vault.
    const second = forkEngine();
    const again = await startHostedEngine(second, { dataRoot, keyring });
    expect(again.createdVault).toBe(false);
    const unlocked = (await controlRequest(again.socketPath, 'status', {})) as EngineStatus;
    expect(unlocked.vault.unlockedBy).toBe('keyring');
    expect(await stopHostedEngine(second)).toBe(0);
  }, 90_000);

  it('refuses a basic_text safeStorage without the passphrase, and starts with it', async () => {
    const secure = appKeyring('gnome_libsecret', standInCipher());
    const setup = forkEngine();
    await startHostedEngine(setup, { dataRoot, keyring: secure, passphrase: PASSPHRASE });
    await stopHostedEngine(setup);

    // The same sealed entries, but the backend is basic_text: the keyring is not trusted.
    const insecure = appKeyring('basic_text', standInCipher());
    const refused = forkEngine();
    const error = await expectAevError(startHostedEngine(refused, { dataRoot, keyring: insecure }), 'E_VAULT_LOCKED');
    expect(error.message).toContain('not secure');
    expect(await refused.exited).toBe(1);

    const withPassphrase = forkEngine();
    const ready = await startHostedEngine(withPassphrase, { dataRoot, keyring: insecure, passphrase: PASSPHRASE });
    const status = (await controlRequest(ready.socketPath, 'status', {})) as EngineStatus;
    expect(status.vault.unlockedBy).toBe('passphrase');
    await stopHostedEngine(withPassphrase);
  }, 90_000);

  it('asks for a vault first (E_VAULT_MISSING) and never hosts beside a running daemon (E_DAEMON_LOCKED)', async () => {
    const keyring = appKeyring('gnome_libsecret', standInCipher());
    const noVault = forkEngine();
    await expectAevError(startHostedEngine(noVault, { dataRoot, keyring }), 'E_VAULT_MISSING');

    const daemon = await startDaemon(dataRoot);
    daemons.push(daemon);
    const second = forkEngine();
    await expectAevError(startHostedEngine(second, { dataRoot, keyring, passphrase: PASSPHRASE }), 'E_DAEMON_LOCKED');
    // The daemon is untouched and still answers.
    expect(await decideEngineHost(dataRoot, { env: testEnv(dataRoot) })).toMatchObject({ mode: 'connect' });
  }, 90_000);
});
