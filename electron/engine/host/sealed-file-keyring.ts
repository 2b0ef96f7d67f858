import fs from 'node:fs/promises';
import path from 'node:path';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import { ensurePrivateDir } from '../runtime/private-dir.ts';
import { fsError, removeDurableFile, writeDurableFile } from '../vault/durable-file.ts';
import type { KeyringInfo } from './host-messages.ts';

/**
 * Encrypts a short secret under a key the OS keeps for this user and app: Electron safeStorage in the
 * desktop app (Keychain on macOS, DPAPI on Windows, the Secret Service or KWallet on Linux).
 */
export interface SecretCipher {
  encrypt(plain: string): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<string>;
}

const ACCOUNT = /^[a-z0-9][a-z0-9-]{0,127}$/;

/**
 * A keyring made of sealed files: each account's secret encrypted by `cipher`, one 0600 file per
 * account in a 0700 folder (safeStorage encrypts but does not store). Whether it counts as secure is
 * decided by `safeStorageKeyringInfo`, never here.
 */
export class SealedFileKeyring implements KeyringPort {
  readonly backend: string;
  readonly secure: boolean;
  readonly #dir: string;
  readonly #cipher: SecretCipher;

  constructor(dir: string, cipher: SecretCipher, info: KeyringInfo) {
    this.#dir = dir;
    this.#cipher = cipher;
    this.backend = info.backend;
    this.secure = info.secure;
  }

  async get(account: string): Promise<string | null> {
    const file = this.#file(account);
    let sealed: Buffer;
    try {
      sealed = await fs.readFile(file);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fsError(cause, 'read', file);
    }
    try {
      return await this.#cipher.decrypt(sealed);
    } catch (cause) {
      throw new AevError(
        'E_KEYRING_UNAVAILABLE',
        `the ${this.backend} keyring cannot decrypt ${path.basename(file)} (another user or a reset keychain?)`,
        { account },
        { cause },
      );
    }
  }

  async set(account: string, secret: string): Promise<void> {
    const file = this.#file(account);
    let sealed: Buffer;
    try {
      sealed = await this.#cipher.encrypt(secret);
    } catch (cause) {
      throw new AevError('E_KEYRING_UNAVAILABLE', `the ${this.backend} keyring cannot encrypt`, { account }, { cause });
    }
    ensurePrivateDir(this.#dir);
    await writeDurableFile(file, sealed);
  }

  async delete(account: string): Promise<void> {
    await removeDurableFile(this.#file(account));
  }

  #file(account: string): string {
    if (!ACCOUNT.test(account))
      throw new AevError('E_SCHEMA', `not a keyring account name: ${JSON.stringify(account)}`);
    return path.join(this.#dir, `${account}.sealed`);
  }
}

/** `safeStorage.getSelectedStorageBackend()` on Linux. */
export type LinuxSafeStorageBackend =
  'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

/**
 * Whether safeStorage may hold the vault key here (DESIGN.md §5). On Linux `basic_text` encrypts with a
 * key hard-coded in Chromium, which is no protection at all, and `unknown` means it was asked before
 * the app was ready: both are reported as not secure, so the vault relies on the recovery passphrase
 * instead, exactly as headless with no Secret Service. Null when encryption is not available at all.
 */
export function safeStorageKeyringInfo(
  platform: NodeJS.Platform,
  available: boolean,
  linuxBackend: LinuxSafeStorageBackend | null,
): KeyringInfo | null {
  if (!available) return null;
  if (platform === 'darwin') return { backend: 'safeStorage/keychain', secure: true };
  if (platform === 'win32') return { backend: 'safeStorage/dpapi', secure: true };
  const backend = linuxBackend ?? 'unknown';
  const secure = backend !== 'basic_text' && backend !== 'unknown';
  return { backend: `safeStorage/${backend}`, secure };
}
