import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import { unwrapMasterKey } from './key-envelope.ts';
import type { WrapperKind } from './key-envelope.ts';
import type { KeyFile, KeyringWrapper, PassphraseWrapper } from './key-file.ts';
import { derivePassphraseKek } from './passphrase-kdf.ts';

export function keyringAccount(vaultId: string): string {
  return `vault-${vaultId}`;
}

export interface Unlocked {
  readonly masterKey: Buffer;
  readonly by: WrapperKind;
}

/**
 * Recovers the master key: from the OS keyring when the vault has a keyring envelope and a secure
 * keyring is at hand, else from the recovery passphrase. Says exactly why when neither works.
 */
export async function unlockKeyFile(
  keyFile: KeyFile,
  file: string,
  keyring: KeyringPort | null,
  passphrase: string | undefined,
): Promise<Unlocked> {
  const byKeyring = keyFile.wrappers.find((w): w is KeyringWrapper => w.kind === 'keyring');
  const byPassphrase = keyFile.wrappers.find((w): w is PassphraseWrapper => w.kind === 'passphrase');
  let keyringProblem = 'this vault has no OS keyring entry';
  if (byKeyring !== undefined) {
    const tried = await tryKeyring(byKeyring, keyFile.vaultId, file, keyring);
    if (Buffer.isBuffer(tried)) return { masterKey: tried, by: 'keyring' };
    keyringProblem = tried;
  }
  if (byPassphrase === undefined) {
    throw new AevError(
      'E_VAULT_LOCKED',
      `the vault is locked: ${keyringProblem}, and it has no recovery passphrase. Unlock your OS keyring ` +
        '(log in to the desktop session, or start and unlock gnome-keyring-daemon / KWallet) and try again',
      { vaultId: keyFile.vaultId },
    );
  }
  if (passphrase === undefined) {
    throw new AevError(
      'E_VAULT_LOCKED',
      `the vault is locked: ${keyringProblem}. Give the recovery passphrase (headless: put it in a 0600 file and set AEV_PASSPHRASE_FILE)`,
      { vaultId: keyFile.vaultId },
    );
  }
  const kek = await derivePassphraseKek(passphrase, byPassphrase.kdf);
  try {
    const masterKey = unwrapMasterKey(byPassphrase, kek, keyFile.vaultId, 'passphrase', file);
    if (masterKey === null)
      throw new AevError('E_BAD_PASSPHRASE', 'the recovery passphrase is wrong', { vaultId: keyFile.vaultId });
    return { masterKey, by: 'passphrase' };
  } finally {
    kek.fill(0);
  }
}

/** The master key, or why the keyring could not give it (a sentence fragment for the locked message). */
async function tryKeyring(
  wrapper: KeyringWrapper,
  vaultId: string,
  file: string,
  keyring: KeyringPort | null,
): Promise<Buffer | string> {
  if (keyring === null) return 'no OS keyring is available';
  if (!keyring.secure) return `the ${keyring.backend} keyring is not secure and is not used for vault keys`;
  let secret: string | null;
  try {
    secret = await keyring.get(wrapper.account);
  } catch (error) {
    return `the ${keyring.backend} keyring failed (${error instanceof Error ? error.message : String(error)})`;
  }
  if (secret === null) return `the ${keyring.backend} keyring has no entry ${wrapper.account}`;
  const kek = Buffer.from(secret, 'base64');
  try {
    if (kek.length !== 32) return `the ${keyring.backend} keyring entry ${wrapper.account} is not a vault key`;
    return (
      unwrapMasterKey(wrapper, kek, vaultId, 'keyring', file) ??
      `the ${keyring.backend} keyring entry ${wrapper.account} belongs to another vault key`
    );
  } finally {
    kek.fill(0);
  }
}
