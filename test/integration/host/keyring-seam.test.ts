import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir.ts';

// The key-provider seam with the real headless implementation behind it: gnome-keyring serving the
// Secret Service on a private D-Bus session (as in test/integration/vault/secret-service.test.ts).
const CHILD = fileURLToPath(new URL('keyring-seam-child.ts', import.meta.url));
const onPath = (cmd: string): boolean =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, cmd)));
const haveSecretService = process.platform === 'linux' && onPath('gnome-keyring-daemon') && onPath('dbus-run-session');
if (process.platform === 'linux' && !haveSecretService)
  console.warn('skipping the keyring seam test: gnome-keyring-daemon or dbus-run-session is missing');

describe.skipIf(!haveSecretService)('the key-provider seam over the real OS keyring', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => {
    tmp.cleanup();
  });

  /** One unlocked desktop login: a fresh D-Bus session whose keyring files persist in the temp HOME. */
  function login(mode: 'create' | 'open'): Record<string, unknown> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: tmp.dir,
      XDG_DATA_HOME: path.join(tmp.dir, 'data'),
      XDG_CONFIG_HOME: path.join(tmp.dir, 'config'),
      XDG_RUNTIME_DIR: tmp.dir,
      AEV_TEST_KEYRING_PASSWORD: 'login password of the test keyring',
    };
    const unlock =
      'printf %s "$AEV_TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null';
    const r = spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', `${unlock} && exec "$0" "$@"`, process.execPath, CHILD, mode, path.join(tmp.dir, 'vault')],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    try {
      return JSON.parse(last) as Record<string, unknown>;
    } catch {
      throw new Error(`the child printed no result\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    }
  }

  it('stores the vault key through the channel and the OS keyring alone opens the vault later', () => {
    const created = login('create');
    expect(created).toMatchObject({ ok: true, methods: ['keyring'], via: 'secret-service' });
    const opened = login('open');
    expect(opened).toMatchObject({ ok: true, vaultId: created.vaultId, unlockedBy: 'keyring', readBack: true });
  });
});
