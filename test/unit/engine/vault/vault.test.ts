import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyFilePath } from '../../../../electron/engine/vault/key-file.ts';
import { createVault, openVault, vaultExists } from '../../../../electron/engine/vault/vault.ts';
import type { VaultOptions } from '../../../../electron/engine/vault/vault.ts';
import { filesContaining, listFiles, makeTempDir } from '../../../helpers/temp-dir.ts';
import { expectAevError } from './expect-aev-error.ts';
import { MemoryKeyring } from './memory-keyring.ts';

const PASSPHRASE = 'correct horse battery staple';

describe('vault keys', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let vaultDir: string;
  const opts = (extra: Partial<VaultOptions> = {}): VaultOptions => ({
    vaultDir,
    keyring: null,
    scryptLogN: 14,
    ...extra,
  });

  beforeEach(() => {
    tmp = makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
  });
  afterEach(() => {
    tmp.cleanup();
  });

  const editKeyFile = (edit: (json: Record<string, unknown> & { wrappers: Record<string, unknown>[] }) => void) => {
    const file = keyFilePath(vaultDir);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & {
      wrappers: Record<string, unknown>[];
    };
    edit(json);
    fs.writeFileSync(file, JSON.stringify(json));
  };

  it('creates a vault with a passphrase and opens it again with the same keys', async () => {
    const created = await createVault(opts({ passphrase: PASSPHRASE }));
    expect(created.unlockedBy()).toBe('passphrase');
    expect(created.unlockMethods()).toEqual(['passphrase']);
    const key = Buffer.from(created.subkey('index-fields'));
    await created.objects.put('other', 'o1', Buffer.from('hello'));
    created.close();

    expect(vaultExists(vaultDir)).toBe(true);
    const opened = await openVault(opts({ passphrase: PASSPHRASE }));
    expect(opened.id).toBe(created.id);
    expect(opened.unlockedBy()).toBe('passphrase');
    expect(opened.subkey('index-fields').equals(key)).toBe(true);
    expect((await opened.objects.get('other', 'o1')).toString()).toBe('hello');
    opened.close();
  });

  it('derives a distinct 32-byte subkey per purpose', async () => {
    const vault = await createVault(opts({ passphrase: PASSPHRASE }));
    const a = vault.subkey('objects');
    const b = vault.subkey('index-fields');
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(false);
    expect(vault.subkey('objects')).toBe(a);
    expect(() => vault.subkey('../objects')).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    vault.close();
  });

  it('answers a wrong passphrase with E_BAD_PASSPHRASE', async () => {
    (await createVault(opts({ passphrase: PASSPHRASE }))).close();
    await expect(openVault(opts({ passphrase: 'not the passphrase' }))).rejects.toMatchObject({
      code: 'E_BAD_PASSPHRASE',
    });
  });

  it('accepts the passphrase typed in another Unicode normal form', async () => {
    (await createVault(opts({ passphrase: 'caf\u00e9 au lait 2024' }))).close();
    const vault = await openVault(opts({ passphrase: 'cafe\u0301 au lait 2024' }));
    expect(vault.unlockedBy()).toBe('passphrase');
    vault.close();
  });

  it('keeps the key file 0600 in a 0700 folder, with neither passphrase nor keys in clear', async () => {
    const vault = await createVault(opts({ passphrase: PASSPHRASE }));
    const objectsKey = vault.subkey('objects');
    vault.close();
    if (process.platform !== 'win32') {
      expect(fs.statSync(vaultDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(keyFilePath(vaultDir)).mode & 0o777).toBe(0o600);
    }
    expect(filesContaining(vaultDir, PASSPHRASE)).toEqual([]);
    expect(listFiles(vaultDir).map((f) => path.basename(f))).toEqual(['keys.json']);
    expect(objectsKey.equals(Buffer.alloc(32))).toBe(true);
  });

  it('refuses a second vault in the same folder with E_VAULT_EXISTS', async () => {
    (await createVault(opts({ passphrase: PASSPHRASE }))).close();
    await expect(createVault(opts({ passphrase: PASSPHRASE }))).rejects.toMatchObject({ code: 'E_VAULT_EXISTS' });
  });

  it('says E_VAULT_MISSING when there is no vault', async () => {
    await expect(openVault(opts({ passphrase: PASSPHRASE }))).rejects.toMatchObject({ code: 'E_VAULT_MISSING' });
  });

  describe('a tampered key file', () => {
    beforeEach(async () => {
      (await createVault(opts({ passphrase: PASSPHRASE }))).close();
    });

    it('is E_VAULT_CORRUPT when it is not JSON', async () => {
      fs.writeFileSync(keyFilePath(vaultDir), '{"format": "agent-evid');
      await expectAevError(openVault(opts({ passphrase: PASSPHRASE })), 'E_VAULT_CORRUPT', 'not valid JSON');
    });

    it('is E_VAULT_CORRUPT naming the field when a field is wrong', async () => {
      editKeyFile((j) => {
        j.vaultId = 'zz';
      });
      await expectAevError(openVault(opts({ passphrase: PASSPHRASE })), 'E_VAULT_CORRUPT', 'vaultId');
    });

    it('refuses an absurd scrypt cost before spending any memory on it', async () => {
      editKeyFile((j) => {
        (j.wrappers[0]!.kdf as Record<string, unknown>).logN = 40;
      });
      await expectAevError(openVault(opts({ passphrase: PASSPHRASE })), 'E_VAULT_CORRUPT', 'logN');
    });

    it('is E_VAULT_CORRUPT, not a wrong passphrase, when the wrapped key was changed', async () => {
      editKeyFile((j) => {
        const wrapped = Buffer.from(j.wrappers[0]!.wrapped as string, 'base64');
        wrapped[20] = (wrapped[20] ?? 0) ^ 0x01;
        j.wrappers[0]!.wrapped = wrapped.toString('base64');
      });
      await expectAevError(openVault(opts({ passphrase: PASSPHRASE })), 'E_VAULT_CORRUPT', 'altered');
    });

    it('is E_VAULT_CORRUPT when the vault id was replaced by another valid one', async () => {
      editKeyFile((j) => {
        j.vaultId = '0123456789abcdef0123456789abcdef';
      });
      await expect(openVault(opts({ passphrase: PASSPHRASE }))).rejects.toMatchObject({ code: 'E_VAULT_CORRUPT' });
    });
  });

  describe('without a passphrase', () => {
    it('refuses to create a vault with no keyring: E_KEYRING_INSECURE, saying what to do, writing nothing', async () => {
      await expectAevError(createVault(opts()), 'E_KEYRING_INSECURE', 'recovery passphrase');
      expect(vaultExists(vaultDir)).toBe(false);
    });

    it('refuses to rely on a keyring that is not secure', async () => {
      const basicText = new MemoryKeyring(false, 'basic_text');
      await expectAevError(createVault(opts({ keyring: basicText })), 'E_KEYRING_INSECURE', 'basic_text');
      expect(basicText.entries.size).toBe(0);
      expect(vaultExists(vaultDir)).toBe(false);
    });

    it('never stores vault keys in an insecure keyring even when a passphrase is set', async () => {
      const basicText = new MemoryKeyring(false, 'basic_text');
      const vault = await createVault(opts({ keyring: basicText, passphrase: PASSPHRASE }));
      expect(vault.unlockMethods()).toEqual(['passphrase']);
      expect(basicText.entries.size).toBe(0);
      vault.close();
    });
  });

  // MemoryKeyring stands in for the OS keyring here; the real Secret Service is exercised by
  // test/integration/vault/secret-service.test.ts.
  describe('unlocking with the OS keyring (in-memory stand-in)', () => {
    it('creates a keyring-only vault and opens it with the keyring alone', async () => {
      const keyring = new MemoryKeyring();
      const created = await createVault(opts({ keyring }));
      expect(created.unlockedBy()).toBe('keyring');
      expect([...keyring.entries.keys()]).toEqual([`vault-${created.id}`]);
      await created.objects.put('still', 's1', Buffer.from('pixels'));
      created.close();

      const opened = await openVault(opts({ keyring }));
      expect(opened.unlockedBy()).toBe('keyring');
      expect((await opened.objects.get('still', 's1')).toString()).toBe('pixels');
      opened.close();
    });

    it('prefers the keyring over the passphrase when both can unlock', async () => {
      const keyring = new MemoryKeyring();
      (await createVault(opts({ keyring, passphrase: PASSPHRASE }))).close();
      const vault = await openVault(opts({ keyring, passphrase: 'wrong, and never tried' }));
      expect(vault.unlockedBy()).toBe('keyring');
      expect(vault.unlockMethods()).toEqual(['passphrase', 'keyring']);
      vault.close();
    });

    it('falls back to the passphrase when the keyring entry is gone, and says how to unlock without one', async () => {
      const keyring = new MemoryKeyring();
      (await createVault(opts({ keyring, passphrase: PASSPHRASE }))).close();
      keyring.entries.clear();
      const vault = await openVault(opts({ keyring, passphrase: PASSPHRASE }));
      expect(vault.unlockedBy()).toBe('passphrase');
      vault.close();
      await expectAevError(openVault(opts({ keyring })), 'E_VAULT_LOCKED', 'AEV_PASSPHRASE_FILE');
    });

    it('is E_VAULT_LOCKED, naming the keyring, when a keyring-only vault meets no keyring', async () => {
      (await createVault(opts({ keyring: new MemoryKeyring() }))).close();
      await expectAevError(openVault(opts({ passphrase: PASSPHRASE })), 'E_VAULT_LOCKED', 'keyring');
    });

    it('does not unlock with a keyring entry that belongs to another vault key', async () => {
      const keyring = new MemoryKeyring();
      const vault = await createVault(opts({ keyring, passphrase: PASSPHRASE }));
      vault.close();
      keyring.entries.set(`vault-${vault.id}`, Buffer.alloc(32, 9).toString('base64'));
      await expectAevError(openVault(opts({ keyring })), 'E_VAULT_LOCKED', 'another vault key');
    });

    it('creates a passphrase-only vault when the keyring fails, and fails cleanly without a passphrase', async () => {
      const keyring = new MemoryKeyring();
      keyring.failWith = new Error('keyring is locked');
      await expectAevError(createVault(opts({ keyring })), 'E_KEYRING_UNAVAILABLE', 'keyring is locked');
      expect(vaultExists(vaultDir)).toBe(false);
      const vault = await createVault(opts({ keyring, passphrase: PASSPHRASE }));
      expect(vault.unlockMethods()).toEqual(['passphrase']);
      vault.close();
    });
  });

  it('changes the passphrase: the old one stops working, the new one and the keyring keep working', async () => {
    const keyring = new MemoryKeyring();
    const vault = await createVault(opts({ keyring, passphrase: PASSPHRASE }));
    await vault.objects.put('transcript', 't1', Buffer.from('said'));
    await vault.changePassphrase('a brand new recovery phrase');
    vault.close();
    await expect(openVault(opts({ passphrase: PASSPHRASE }))).rejects.toMatchObject({ code: 'E_BAD_PASSPHRASE' });
    const byNew = await openVault(opts({ passphrase: 'a brand new recovery phrase' }));
    expect((await byNew.objects.get('transcript', 't1')).toString()).toBe('said');
    byNew.close();
    const byKeyring = await openVault(opts({ keyring }));
    expect(byKeyring.unlockedBy()).toBe('keyring');
    byKeyring.close();
  });

  it('zeroes its keys on close and refuses use afterwards', async () => {
    const vault = await createVault(opts({ passphrase: PASSPHRASE }));
    const key = vault.subkey('index-fields');
    vault.close();
    expect(key.equals(Buffer.alloc(32))).toBe(true);
    expect(() => vault.subkey('index-fields')).toThrow(expect.objectContaining({ code: 'E_VAULT_LOCKED' }));
    await expect(vault.objects.put('other', 'x', Buffer.from('y'))).rejects.toMatchObject({ code: 'E_VAULT_LOCKED' });
  });
});
