import BetterSqlite3 from 'better-sqlite3';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { openVault } from '../vault/vault.ts';
import type { Vault } from '../vault/vault.ts';

/** A data root opened for reading, without an engine: its vault (for ciphertexts and keys) and its index. */
export interface ReadOnlyStore {
  readonly vault: Vault;
  readonly db: BetterSqlite3.Database;
  close: () => void;
}

/** Opens the vault, then the index read-only (a running daemon's WAL is fine); closes the vault if that fails. */
export async function openStoreReadOnly(o: {
  readonly dataRoot: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase: string | undefined;
}): Promise<ReadOnlyStore> {
  const paths = runtimePaths(o.dataRoot);
  const vault = await openVault({ vaultDir: paths.vaultDir, keyring: o.keyring, passphrase: o.passphrase });
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(paths.indexPath, { readonly: true, fileMustExist: true });
  } catch (cause) {
    vault.close();
    throw new AevError('E_IO', `cannot open the index ${paths.indexPath}`, undefined, { cause });
  }
  return {
    vault,
    db,
    close() {
      db.close();
      vault.close();
    },
  };
}
