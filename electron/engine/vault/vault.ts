import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import { ensurePrivateDir } from '../runtime/private-dir.ts';
import { wrapMasterKey } from './key-envelope.ts';
import type { WrapperKind } from './key-envelope.ts';
import { KEY_FILE_FORMAT, KEY_FILE_VERSION, keyFilePath, readKeyFile, writeKeyFile } from './key-file.ts';
import type { KeyFile, KeyWrapper } from './key-file.ts';
import { ObjectStore } from './object-store.ts';
import { derivePassphraseKek, newScryptParams } from './passphrase-kdf.ts';
import { keyringAccount, unlockKeyFile } from './vault-unlock.ts';

export type { ObjectKind } from './object-store.ts';
export { ObjectStore } from './object-store.ts';

export interface VaultOptions {
  readonly vaultDir: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase?: string | undefined;
  /** scrypt cost 2^N for a new passphrase; default 17, tests may pass 14. */
  readonly scryptLogN?: number;
}

export function vaultExists(vaultDir: string): boolean {
  return fs.existsSync(keyFilePath(vaultDir));
}

/**
 * Creates a vault: a random 256-bit master key wrapped by the recovery passphrase (scrypt) and/or a
 * random key kept in a secure OS keyring (DESIGN.md §5). A keyring that is missing or not secure is
 * never relied on: then the passphrase is required.
 */
export async function createVault(opts: VaultOptions): Promise<Vault> {
  if (vaultExists(opts.vaultDir))
    throw new AevError('E_VAULT_EXISTS', `a vault already exists in ${opts.vaultDir}`, { vaultDir: opts.vaultDir });
  const passphrase = checkPassphrase(opts.passphrase);
  const keyring = opts.keyring?.secure === true ? opts.keyring : null;
  if (passphrase === undefined && keyring === null) {
    const why =
      opts.keyring === null ? 'there is no usable OS keyring' : `the ${opts.keyring.backend} keyring is not secure`;
    throw new AevError(
      'E_KEYRING_INSECURE',
      `cannot create the vault: ${why} and no recovery passphrase was given. Set a recovery passphrase ` +
        '(`aev init` asks for one; headless: AEV_PASSPHRASE_FILE), or run a Secret Service such as gnome-keyring',
    );
  }
  const params = newScryptParams(opts.scryptLogN);
  ensurePrivateDir(opts.vaultDir);
  const vaultId = randomBytes(16).toString('hex');
  const masterKey = randomBytes(32);
  const wrappers: KeyWrapper[] = [];
  try {
    if (passphrase !== undefined) {
      const kek = await derivePassphraseKek(passphrase, params);
      wrappers.push({ kind: 'passphrase', kdf: params, ...wrapMasterKey(masterKey, kek, vaultId, 'passphrase') });
      kek.fill(0);
    }
    const stored =
      keyring === null ? false : await storeKeyringKek(keyring, vaultId, masterKey, wrappers, passphrase !== undefined);
    const keyFile: KeyFile = { format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION, vaultId, wrappers };
    try {
      await writeKeyFile(opts.vaultDir, keyFile);
    } catch (error) {
      if (stored && keyring !== null) await keyring.delete(keyringAccount(vaultId)).catch(() => undefined);
      throw error;
    }
    return new Vault(opts, keyFile, masterKey, passphrase === undefined ? 'keyring' : 'passphrase');
  } catch (error) {
    masterKey.fill(0);
    throw error;
  }
}

/**
 * Keeps a fresh key-encryption key in the keyring and adds its envelope. When the keyring fails and a
 * passphrase already protects the vault, the vault is created without the keyring (see `unlockMethods`).
 */
async function storeKeyringKek(
  keyring: KeyringPort,
  vaultId: string,
  masterKey: Buffer,
  wrappers: KeyWrapper[],
  hasPassphrase: boolean,
): Promise<boolean> {
  const account = keyringAccount(vaultId);
  const kek = randomBytes(32);
  try {
    const secret = kek.toString('base64');
    await keyring.set(account, secret);
    if ((await keyring.get(account)) !== secret) {
      throw new AevError('E_KEYRING_UNAVAILABLE', `the ${keyring.backend} keyring did not return the key just stored`);
    }
    wrappers.push({ kind: 'keyring', account, ...wrapMasterKey(masterKey, kek, vaultId, 'keyring') });
    return true;
  } catch (error) {
    await keyring.delete(account).catch(() => undefined);
    if (hasPassphrase) return false;
    if (error instanceof AevError) throw error;
    throw new AevError(
      'E_KEYRING_UNAVAILABLE',
      `cannot store the vault key in the ${keyring.backend} keyring: ${String(error)}`,
      undefined,
      { cause: error },
    );
  } finally {
    kek.fill(0);
  }
}

/** Opens a vault: the OS keyring first, then the recovery passphrase. */
export async function openVault(opts: VaultOptions): Promise<Vault> {
  const keyFile = readKeyFile(opts.vaultDir);
  ensurePrivateDir(opts.vaultDir);
  const { masterKey, by } = await unlockKeyFile(
    keyFile,
    keyFilePath(opts.vaultDir),
    opts.keyring,
    checkPassphrase(opts.passphrase),
  );
  return new Vault(opts, keyFile, masterKey, by);
}

function checkPassphrase(passphrase: string | undefined): string | undefined {
  if (passphrase === '') throw new AevError('E_CONFIG', 'the recovery passphrase is empty');
  return passphrase;
}

const PURPOSE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class Vault {
  readonly id: string;
  readonly objects: ObjectStore;
  readonly #opts: VaultOptions;
  readonly #by: WrapperKind;
  readonly #subkeys = new Map<string, Buffer>();
  #keyFile: KeyFile;
  #masterKey: Buffer | null;

  /** Use `createVault` / `openVault`; the vault takes ownership of `masterKey` and zeroes it on close. */
  constructor(opts: VaultOptions, keyFile: KeyFile, masterKey: Buffer, by: WrapperKind) {
    this.id = keyFile.vaultId;
    this.#opts = opts;
    this.#keyFile = keyFile;
    this.#masterKey = masterKey;
    this.#by = by;
    this.objects = new ObjectStore(opts.vaultDir, this.id, () => this.subkey('objects'));
  }

  /**
   * A 32-byte key for one purpose: HKDF-SHA256 (RFC 5869) of the master key with info
   * `agent-evidence/v1/<purpose>`. No salt: the master key is already uniformly random (RFC 5869 §3.1).
   * The buffer is shared and zeroed by `close`; do not modify it.
   */
  subkey(purpose: string): Buffer {
    if (this.#masterKey === null) throw new AevError('E_VAULT_LOCKED', 'the vault is closed');
    if (!PURPOSE.test(purpose)) throw new AevError('E_INTERNAL', `invalid subkey purpose ${JSON.stringify(purpose)}`);
    let key = this.#subkeys.get(purpose);
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', this.#masterKey, Buffer.alloc(0), `agent-evidence/v1/${purpose}`, 32));
      this.#subkeys.set(purpose, key);
    }
    return key;
  }

  unlockedBy(): 'keyring' | 'passphrase' {
    return this.#by;
  }

  /** What can unlock this vault, as recorded in its key file. */
  unlockMethods(): readonly WrapperKind[] {
    return this.#keyFile.wrappers.map((w) => w.kind);
  }

  /** Re-wraps the master key under a new passphrase (fresh salt); the keyring envelope is kept. */
  async changePassphrase(newPassphrase: string): Promise<void> {
    if (newPassphrase === '') throw new AevError('E_CONFIG', 'the new recovery passphrase is empty');
    const masterKey = this.#masterKey;
    if (masterKey === null) throw new AevError('E_VAULT_LOCKED', 'the vault is closed');
    const params = newScryptParams(this.#opts.scryptLogN);
    const kek = await derivePassphraseKek(newPassphrase, params);
    const envelope = wrapMasterKey(masterKey, kek, this.id, 'passphrase');
    kek.fill(0);
    const others = this.#keyFile.wrappers.filter((w) => w.kind !== 'passphrase');
    const next: KeyFile = { ...this.#keyFile, wrappers: [{ kind: 'passphrase', kdf: params, ...envelope }, ...others] };
    await writeKeyFile(this.#opts.vaultDir, next);
    this.#keyFile = next;
  }

  /**
   * Zeroes the master key and every subkey handed out, and has the object workers zero their copy; the
   * vault cannot be used afterwards.
   */
  close(): void {
    this.objects.close();
    this.#masterKey?.fill(0);
    this.#masterKey = null;
    for (const key of this.#subkeys.values()) key.fill(0);
    this.#subkeys.clear();
  }
}
