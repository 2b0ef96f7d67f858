import path from 'node:path';
import { app, safeStorage } from 'electron';
import { SealedFileKeyring, safeStorageKeyringInfo } from '../engine/host/sealed-file-keyring.ts';

/**
 * The app's keyring: the vault's keyring secret encrypted by Electron safeStorage (main only) in the app's
 * user-data folder. Null when safeStorage cannot encrypt here; marked not secure for Linux's basic_text,
 * so the vault asks for the recovery passphrase instead (electron/engine/host/sealed-file-keyring.ts).
 * Call after `ready`: before it, Linux reports the backend as `unknown`.
 */
export async function appKeyring(): Promise<SealedFileKeyring | null> {
  const available = await safeStorage.isAsyncEncryptionAvailable();
  const info = safeStorageKeyringInfo(
    process.platform,
    available,
    process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null,
  );
  if (info === null) return null;
  return new SealedFileKeyring(
    path.join(app.getPath('userData'), 'keyring'),
    {
      encrypt: (plain) => safeStorage.encryptStringAsync(plain),
      decrypt: async (sealed) => (await safeStorage.decryptStringAsync(sealed)).result,
    },
    info,
  );
}
