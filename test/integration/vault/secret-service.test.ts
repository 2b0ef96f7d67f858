import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir.ts';

// The real OS keyring on Linux: gnome-keyring-daemon serving the Secret Service API on a private D-Bus
// session (dbus-run-session), with its keyrings in a temp HOME. Each session is one "login": the
// keyring file on disk persists between them, as it does between reboots.
const CHILD = fileURLToPath(new URL('keyring-child.ts', import.meta.url));
const KEYRING_PASSWORD = 'login password for the test keyring';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, cmd)));
}

const isLinux = process.platform === 'linux';
const haveSecretService = isLinux && onPath('gnome-keyring-daemon') && onPath('dbus-run-session');
if (isLinux && !haveSecretService) {
  console.warn(
    'skipping the Secret Service tests: gnome-keyring-daemon or dbus-run-session is missing (apt-get install gnome-keyring dbus)',
  );
}

interface ChildResult {
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly backend?: string | null;
  readonly secure?: boolean | null;
  readonly vaultId?: string;
  readonly unlockedBy?: string;
  readonly methods?: string[];
  readonly readBack?: boolean;
}

function parseChild(stdout: string, stderr: string): ChildResult {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as ChildResult;
  } catch {
    throw new Error(`the keyring child printed no result\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

describe.skipIf(!haveSecretService)('vault unlock through a real Secret Service (gnome-keyring)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let vaultDir: string;

  beforeEach(() => {
    tmp = makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
  });
  afterEach(() => {
    tmp.cleanup();
  });

  /** One D-Bus login session; `unlock` starts gnome-keyring unlocked, as a desktop login would. */
  function inSession(unlock: boolean, mode: 'create' | 'open' | 'probe'): ChildResult {
    const start = unlock
      ? 'printf %s "$AEV_TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && '
      : '';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: tmp.dir,
      XDG_DATA_HOME: path.join(tmp.dir, 'data'),
      XDG_CONFIG_HOME: path.join(tmp.dir, 'config'),
      XDG_RUNTIME_DIR: tmp.dir,
      AEV_TEST_KEYRING_PASSWORD: KEYRING_PASSWORD,
    };
    // No display: gnome-keyring must not pop up an unlock prompt anywhere.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const r = spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', `${start}exec "$0" "$@"`, process.execPath, CHILD, mode, vaultDir],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return parseChild(r.stdout, r.stderr);
  }

  it('creates a vault unlocked by the Secret Service alone and opens it again in a later session', () => {
    const created = inSession(true, 'create');
    expect(created).toMatchObject({
      ok: true,
      backend: 'secret-service',
      secure: true,
      unlockedBy: 'keyring',
      methods: ['keyring'],
    });
    const opened = inSession(true, 'open');
    expect(opened).toMatchObject({ ok: true, vaultId: created.vaultId, unlockedBy: 'keyring', readBack: true });
  });

  it('says the vault is locked, and how to unlock it, when the keyring stays locked', () => {
    expect(inSession(true, 'create')).toMatchObject({ ok: true, unlockedBy: 'keyring' });
    const locked = inSession(false, 'open');
    expect(locked).toMatchObject({ ok: false, code: 'E_VAULT_LOCKED', backend: null });
    expect(locked.message).toContain('Unlock your OS keyring');
  });
});

describe.skipIf(!isLinux)('keyring probe without a Secret Service', () => {
  it('reports no keyring rather than falling back to the in-memory kernel keyring', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/aev-test-bus' };
    const r = spawnSync(process.execPath, [CHILD, 'probe'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(parseChild(r.stdout, r.stderr)).toEqual({ ok: true, backend: null, secure: null });
  });
});
