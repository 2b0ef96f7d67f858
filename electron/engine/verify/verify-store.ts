import BetterSqlite3 from 'better-sqlite3';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import type { MediaKind } from '../../common/model/media.ts';
import type { VerifyItem, VerifyReport } from '../../common/model/verification.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { ChainStore } from '../seal/chain-store.ts';
import { fingerprintSha256, loadDeviceKey } from '../seal/device-key.ts';
import { certificatesFromPem } from '../tsa/tsa-certificate.ts';
import { verifyTimestamp } from '../tsa/verify-timestamp.ts';
import { openVault } from '../vault/vault.ts';
import { ReportBuilder } from './report-builder.ts';
import { verifySession } from './verify-session.ts';
import type { TokenCheck } from './verify-session.ts';

export interface VerifyStoreOptions {
  readonly dataRoot: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase: string | undefined;
  /** Session ids, or 'all'. */
  readonly sessions: readonly string[] | 'all';
  /** The TSA trust store (PEM). */
  readonly trustPem: string;
  readonly allowPending: boolean;
  readonly onItem?: (item: VerifyItem) => void;
  readonly onProgress?: (done: number, total: number, sessionId: string) => void;
}

/**
 * Verifies the local evidence store from the files alone, independently of any running engine: it
 * opens the vault (to read ciphertexts and the device key) and the index read-only, and recomputes.
 */
export async function verifyStore(o: VerifyStoreOptions): Promise<VerifyReport> {
  const paths = runtimePaths(o.dataRoot);
  const vault = await openVault({ vaultDir: paths.vaultDir, keyring: o.keyring, passphrase: o.passphrase });
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(paths.indexPath, { readonly: true, fileMustExist: true });
  } catch (cause) {
    vault.close();
    throw new AevError('E_IO', `cannot open the index ${paths.indexPath}`, undefined, { cause });
  }
  const report = new ReportBuilder(o.onItem);
  try {
    const device = loadDeviceKey(await vault.objects.get('device-key', 'device'));
    const anchors = certificatesFromPem(o.trustPem);
    const checkToken: TokenCheck = (response, imprint) => {
      const v = verifyTimestamp(
        response,
        { digest: imprint, algorithm: 'SHA-256' },
        { trustAnchors: anchors, form: 'response' },
      );
      return {
        valid: v.valid,
        ...(v.code === undefined ? {} : { code: v.code }),
        ...(v.message === undefined ? {} : { message: v.message }),
        ...(v.genTime === undefined ? {} : { genTime: v.genTime }),
      };
    };
    const ids =
      o.sessions === 'all'
        ? db
            .prepare<[], { id: string }>('SELECT id FROM sessions ORDER BY started_at')
            .all()
            .map((r) => r.id)
        : o.sessions;
    const deps = {
      db,
      chain: new ChainStore(db),
      fieldKey: vault.subkey('index-fields'),
      devicePublicKey: device.publicKeyRaw,
      deviceFingerprint: fingerprintSha256(device.publicKeyRaw),
      checkToken,
      readMedia: (kind: MediaKind, objectId: string) => vault.objects.get(kind, objectId),
    };
    for (const [i, id] of ids.entries()) {
      o.onProgress?.(i, ids.length, id);
      await verifySession(id, deps, report);
    }
    o.onProgress?.(ids.length, ids.length, '');
  } catch (error) {
    if (error instanceof AevError && (error.code === 'E_OBJECT_CORRUPT' || error.code === 'E_OBJECT_MISSING')) {
      report.fail('device key', 'DEVICE_KEY', `the device signing key cannot be read from the vault (${error.code})`);
    } else {
      throw error;
    }
  } finally {
    db.close();
    vault.close();
  }
  return report.build(o.allowPending);
}
