import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelKeyring, serveKeyringRequests } from '../../../../electron/engine/host/channel-keyring.ts';
import type { MessageLink } from '../../../../electron/engine/host/host-messages.ts';
import { SealedFileKeyring, safeStorageKeyringInfo } from '../../../../electron/engine/host/sealed-file-keyring.ts';
import { createVault, openVault } from '../../../../electron/engine/vault/vault.ts';
import { standInCipher } from '../../../helpers/engine-host.ts';
import { filesContaining, makeTempDir } from '../../../helpers/temp-dir.ts';
import { expectAevError } from '../vault/expect-aev-error.ts';

function portLink(port: MessagePort): MessageLink {
  return {
    send: (m) => {
      port.postMessage(m);
    },
    onMessage: (listener) => {
      port.on('message', listener);
      return () => port.off('message', listener);
    },
  };
}

let tmp: ReturnType<typeof makeTempDir>;
let ports: MessagePort[];

beforeEach(() => {
  tmp = makeTempDir();
  ports = [];
});
afterEach(() => {
  for (const p of ports) p.close();
  tmp.cleanup();
});

/** Main's safeStorage keyring, and the engine process's view of it across a real message channel. */
function appKeyring(secure: boolean): { main: SealedFileKeyring; engine: ChannelKeyring } {
  const info = safeStorageKeyringInfo('linux', true, secure ? 'gnome_libsecret' : 'basic_text');
  if (info === null) throw new Error('unreachable');
  const main = new SealedFileKeyring(path.join(tmp.dir, 'app-keys'), standInCipher(), info);
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serveKeyringRequests(portLink(port1), main);
  return { main, engine: new ChannelKeyring(portLink(port2), info, 5000) };
}

describe('safeStorage as a keyring: which backends count as secure', () => {
  it.each([
    ['darwin', null, { backend: 'safeStorage/keychain', secure: true }],
    ['win32', null, { backend: 'safeStorage/dpapi', secure: true }],
    ['linux', 'gnome_libsecret', { backend: 'safeStorage/gnome_libsecret', secure: true }],
    ['linux', 'kwallet6', { backend: 'safeStorage/kwallet6', secure: true }],
    ['linux', 'basic_text', { backend: 'safeStorage/basic_text', secure: false }],
    ['linux', 'unknown', { backend: 'safeStorage/unknown', secure: false }],
  ] as const)('%s %s', (platform, backend, expected) => {
    expect(safeStorageKeyringInfo(platform, true, backend)).toEqual(expected);
  });

  it('is no keyring at all when encryption is unavailable', () => {
    expect(safeStorageKeyringInfo('darwin', false, null)).toBeNull();
  });
});

describe('the sealed-file keyring main keeps', () => {
  it('stores each secret encrypted, in a private folder, and forgets it on delete', async () => {
    const { main } = appKeyring(true);
    await main.set('vault-0123abcd', 'the-key-encryption-key');
    expect(await main.get('vault-0123abcd')).toBe('the-key-encryption-key');
    const dir = path.join(tmp.dir, 'app-keys');
    expect(filesContaining(dir, 'the-key-encryption-key')).toEqual([]);
    if (process.platform !== 'win32') {
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dir, 'vault-0123abcd.sealed')).mode & 0o777).toBe(0o600);
    }
    await main.delete('vault-0123abcd');
    expect(await main.get('vault-0123abcd')).toBeNull();
  });

  it('refuses account names that could leave its folder', async () => {
    const { main } = appKeyring(true);
    for (const account of ['../escape', 'a/b', '', 'UPPER', '.hidden'])
      await expectAevError(main.set(account, 'x'), 'E_SCHEMA');
  });

  it('says so when a sealed file cannot be decrypted (another keychain)', async () => {
    const { main } = appKeyring(true);
    await main.set('vault-1', 'secret');
    const other = new SealedFileKeyring(path.join(tmp.dir, 'app-keys'), standInCipher(), main);
    await expectAevError(other.get('vault-1'), 'E_KEYRING_UNAVAILABLE', 'cannot decrypt');
  });
});

describe('the key-provider seam: the engine process reaches main’s keyring over the channel', () => {
  it('round-trips get, set and delete, with errors coming back coded', async () => {
    const { engine } = appKeyring(true);
    expect(await engine.get('vault-abc')).toBeNull();
    await engine.set('vault-abc', 'secret value');
    expect(await engine.get('vault-abc')).toBe('secret value');
    await engine.delete('vault-abc');
    expect(await engine.get('vault-abc')).toBeNull();
    await expectAevError(engine.set('../x', 'y'), 'E_SCHEMA');
  });

  it('times out, coded, when main does not answer', async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const silent = new ChannelKeyring(portLink(port2), { backend: 'safeStorage/keychain', secure: true }, 100);
    await expectAevError(silent.get('vault-x'), 'E_TIMEOUT');
  });

  it('answers E_KEYRING_UNAVAILABLE when the app has no keyring', async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    serveKeyringRequests(portLink(port1), null);
    const engine = new ChannelKeyring(portLink(port2), { backend: 'none', secure: true }, 5000);
    await expectAevError(engine.get('vault-x'), 'E_KEYRING_UNAVAILABLE');
  });

  it('creates a vault unlocked by the app keyring alone and opens it again through either side', async () => {
    const { main, engine } = appKeyring(true);
    const vaultDir = path.join(tmp.dir, 'vault');
    const created = await createVault({ vaultDir, keyring: engine, scryptLogN: 14 });
    await created.objects.put('other', 'note', Buffer.from('seen through the seam'));
    expect(created.unlockMethods()).toEqual(['keyring']);
    created.close();
    for (const keyring of [engine, main]) {
      const vault = await openVault({ vaultDir, keyring });
      expect(vault.unlockedBy()).toBe('keyring');
      expect((await vault.objects.get('other', 'note')).toString()).toBe('seen through the seam');
      vault.close();
    }
  });

  it('refuses basic_text: no vault without a passphrase, and never the keyring with one', async () => {
    const { engine } = appKeyring(false);
    const vaultDir = path.join(tmp.dir, 'vault');
    await expectAevError(
      createVault({ vaultDir, keyring: engine, scryptLogN: 14 }),
      'E_KEYRING_INSECURE',
      'basic_text',
    );
    const vault = await createVault({ vaultDir, keyring: engine, passphrase: 'a recovery passphrase', scryptLogN: 14 });
    expect(vault.unlockMethods()).toEqual(['passphrase']);
    vault.close();
    expect(fs.existsSync(path.join(tmp.dir, 'app-keys'))).toBe(false);
    await expectAevError(openVault({ vaultDir, keyring: engine }), 'E_VAULT_LOCKED', 'recovery passphrase');
  });
});
