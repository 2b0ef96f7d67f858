import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { EngineProcessHandle } from '../../electron/engine/host/hosted-engine.ts';
import type { SecretCipher } from '../../electron/engine/host/sealed-file-keyring.ts';
import { openBytes, sealBytes } from '../../electron/engine/vault/aead.ts';
import { testEnv } from './daemon-process.ts';

const CHILD = fileURLToPath(new URL('../integration/host/engine-process-child.ts', import.meta.url));

/**
 * Stand-in for Electron safeStorage, which cannot run here (no Electron binary): AES-256-GCM under a key
 * held in this process, as safeStorage's is held by the OS keychain. Everything around it is real.
 */
export function standInCipher(): SecretCipher {
  const key = randomBytes(32);
  const aad = Buffer.from('safeStorage stand-in');
  return {
    encrypt: (plain) => Promise.resolve(sealBytes(key, Buffer.from(plain, 'utf8'), aad)),
    decrypt: (sealed) => Promise.resolve(openBytes(key, sealed, aad).toString('utf8')),
  };
}

/**
 * The desktop app's engine process, forked under Node (engine-process-child.ts runs the same
 * `runEngineProcess` as the Electron utility entry). Its environment is a test daemon's minus the
 * passphrase file and the data root, and with the keyring on: in the app those come over the channel.
 * Every child is pushed to `children` so the test can kill leftovers in `finally`/`afterEach`.
 */
export function forkEngineProcess(
  dataRoot: string,
  children: ChildProcess[],
): EngineProcessHandle & { readonly pid: number } {
  const env = testEnv(dataRoot);
  delete env.AEV_PASSPHRASE_FILE;
  delete env.AEV_KEYRING;
  delete env.AEV_HOME;
  const child = fork(CHILD, [], { env, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error(`fork failed: ${stderr}`);
  return {
    pid: child.pid,
    exited,
    kill: () => child.kill('SIGKILL'),
    link: {
      send: (m) => {
        if (child.connected) child.send(m as object);
      },
      onMessage: (listener) => {
        child.on('message', listener);
        return () => child.off('message', listener);
      },
    },
  };
}

/** A process that only exists: holds a pid for lock-file cases. */
export function idleChild(children: ChildProcess[]): ChildProcess {
  const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  children.push(child);
  return child;
}
