import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import type { MediaKind } from '../../common/model/media.ts';
import type { VerifyItem, VerifyReport } from '../../common/model/verification.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { ChainStore } from '../seal/chain-store.ts';
import { fingerprintSha256, loadDeviceKey } from '../seal/device-key.ts';
import { EventCheckWorkers } from './event-checks.ts';
import { openStoreReadOnly } from './open-store.ts';
import { ReportBuilder } from './report-builder.ts';
import { tokenChecker } from './token-check.ts';
import { verifySession } from './verify-session.ts';

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
  /** Sessions with at least this many events have their events' content checked in worker threads. */
  readonly eventWorkerMinEvents?: number;
}

/**
 * Verifies the local evidence store from the files alone, independently of any running engine: it
 * opens the vault (to read ciphertexts and the device key) and the index read-only, and recomputes.
 */
export async function verifyStore(o: VerifyStoreOptions): Promise<VerifyReport> {
  const { vault, db, close } = await openStoreReadOnly(o);
  const report = new ReportBuilder(o.onItem);
  let eventChecks: EventCheckWorkers | undefined;
  try {
    const device = loadDeviceKey(await vault.objects.get('device-key', 'device'));
    const checkToken = tokenChecker(o.trustPem);
    const ids =
      o.sessions === 'all'
        ? db
            .prepare<[], { id: string }>('SELECT id FROM sessions ORDER BY started_at')
            .all()
            .map((r) => r.id)
        : o.sessions;
    eventChecks = new EventCheckWorkers(
      runtimePaths(o.dataRoot).indexPath,
      vault.subkey('index-fields'),
      o.eventWorkerMinEvents,
    );
    const deps = {
      db,
      chain: new ChainStore(db),
      fieldKey: vault.subkey('index-fields'),
      eventChecks,
      devicePublicKey: device.publicKeyRaw,
      deviceFingerprint: fingerprintSha256(device.publicKeyRaw),
      checkToken,
      readMedia: (kind: MediaKind, objectId: string) => vault.objects.digest(kind, objectId),
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
    eventChecks?.close();
    close();
  }
  return report.build(o.allowPending);
}
