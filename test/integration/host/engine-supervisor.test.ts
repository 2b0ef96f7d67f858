import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { controlRequest } from '../../../electron/engine/client/control-request.ts';
import { EngineSupervisor } from '../../../electron/engine/host/engine-supervisor.ts';
import type { PassphraseAsk } from '../../../electron/engine/host/engine-supervisor.ts';
import { SealedFileKeyring, safeStorageKeyringInfo } from '../../../electron/engine/host/sealed-file-keyring.ts';
import type { EngineLink } from '../../../electron/engine/host/tray-view.ts';
import { silentLogger } from '../../../electron/engine/runtime/logger.ts';
import { startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { forkEngineProcess, standInCipher } from '../../helpers/engine-host.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const PASSPHRASE = 'the recovery passphrase of this test';

let tmp: ReturnType<typeof makeTempDir>;
let dataRoot: string;
let children: ChildProcess[];
let supervisors: EngineSupervisor[];
let daemon: DaemonProcess | null;

beforeEach(() => {
  tmp = makeTempDir();
  dataRoot = path.join(tmp.dir, 'data');
  children = [];
  supervisors = [];
  daemon = null;
});
afterEach(async () => {
  for (const s of supervisors) await s.stop();
  if (daemon !== null && daemon.child.exitCode === null) await daemon.stop();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

/**
 * The supervisor as main runs it, with the engine process forked under Node and the user's answers
 * scripted: each passphrase question is recorded and answered from `answers` in order (null: declined).
 */
function supervise(keyring: KeyringPort | null, answers: (string | null)[]) {
  const asks: [PassphraseAsk, string | null][] = [];
  const links: EngineLink[] = [];
  let connected: () => void = () => undefined;
  const reachedConnected = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const supervisor = new EngineSupervisor({
    dataRoot,
    keyring,
    fork: () => forkEngineProcess(dataRoot, children),
    askPassphrase: (ask, error) => {
      asks.push([ask, error]);
      return Promise.resolve(answers.shift() ?? null);
    },
    onLink: (link) => {
      links.push(link);
      if (link.state === 'connected') connected();
    },
    logger: silentLogger,
    env: testEnv(dataRoot),
    pollMs: 200,
  });
  supervisors.push(supervisor);
  return { supervisor, asks, links, reachedConnected };
}

const appKeyring = (): SealedFileKeyring =>
  new SealedFileKeyring(
    path.join(tmp.dir, 'app-keys'),
    standInCipher(),
    safeStorageKeyringInfo('linux', true, 'gnome_libsecret') ?? { backend: 'x', secure: false },
  );

describe('the app’s engine supervisor', () => {
  it('asks for a new recovery passphrase on first run, hosts the engine and watches it', async () => {
    const { supervisor, asks, links, reachedConnected } = supervise(appKeyring(), [PASSPHRASE]);
    await supervisor.connect();
    await reachedConnected;
    expect(asks).toEqual([['new', null]]);
    expect(links[0]).toEqual({ state: 'starting' });
    expect(links.at(-1)).toMatchObject({ state: 'connected', hosted: true });
    expect(supervisor.hosted).toBe(true);
    expect(supervisor.passphrase).toBe(PASSPHRASE);
    const socketPath = supervisor.socketPath ?? '';
    await supervisor.stop();
    await expect(controlRequest(socketPath, 'status', {}, 2000)).rejects.toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
    });
  }, 60_000);

  it('asks again, saying why, when the passphrase to unlock is wrong', async () => {
    const first = supervise(appKeyring(), [PASSPHRASE]);
    await first.supervisor.connect();
    await first.reachedConnected;
    await first.supervisor.stop();

    // No usable keyring now (basic_text, no Secret Service): the vault needs the passphrase.
    const { supervisor, asks, reachedConnected } = supervise(null, ['not the passphrase', PASSPHRASE]);
    await supervisor.connect();
    await reachedConnected;
    expect(asks.map(([ask]) => ask)).toEqual(['unlock', 'unlock']);
    expect(asks[0]?.[1]).toBeNull();
    expect(asks[1]?.[1]).toContain('wrong');
    const status = (await controlRequest(supervisor.socketPath ?? '', 'status', {})) as EngineStatus;
    expect(status.vault.unlockedBy).toBe('passphrase');
  }, 120_000);

  it('reports the coded reason when the user declines, and can retry', async () => {
    const { supervisor, links } = supervise(appKeyring(), [null]);
    await supervisor.connect();
    expect(links.at(-1)).toMatchObject({ state: 'failed', code: 'E_VAULT_MISSING' });
    expect(supervisor.socketPath).toBeNull();
  });

  it('connects to a running aev daemon without asking anything, and leaves it running on stop', async () => {
    daemon = await startDaemon(dataRoot);
    const { supervisor, asks, links, reachedConnected } = supervise(appKeyring(), []);
    await supervisor.connect();
    await reachedConnected;
    expect(asks).toEqual([]);
    expect(links.at(-1)).toMatchObject({ state: 'connected', hosted: false, status: { pid: daemon.child.pid } });
    expect(supervisor.hosted).toBe(false);
    await supervisor.stop();
    const status = (await controlRequest(daemon.paths.socketPath, 'status', {})) as EngineStatus;
    expect(status.pid).toBe(daemon.child.pid);
  });

  it('sees the engine go away and reports it', async () => {
    daemon = await startDaemon(dataRoot);
    const { supervisor, links, reachedConnected } = supervise(appKeyring(), []);
    await supervisor.connect();
    await reachedConnected;
    await daemon.stop();
    const deadline = Date.now() + 10_000;
    while (links.at(-1)?.state !== 'failed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(links.at(-1)).toMatchObject({ state: 'failed', code: 'E_DAEMON_UNREACHABLE' });
  });
});
