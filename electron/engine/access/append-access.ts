import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import { controlRequest } from '../client/control-request.ts';
import { openIndex } from '../index/open-index.ts';
import { systemClock } from '../runtime/clock.ts';
import type { Clock } from '../runtime/clock.ts';
import { acquireDaemonLock } from '../runtime/daemon-lock.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { silentLogger } from '../runtime/logger.ts';
import { ChainStore } from '../seal/chain-store.ts';
import { loadOrCreateDeviceIdentity } from '../seal/device-identity.ts';
import { WindowSealer } from '../seal/window-sealer.ts';
import { openVault } from '../vault/vault.ts';
import type { AccessEntry, RecordedAccess } from './access-entry.ts';
import { AccessLog } from './access-log.ts';

// An engine that took the lock may need some seconds (vault unlock) before it answers on its socket.
const LOCKED_RETRIES = 40;

export interface AccessStore {
  readonly dataRoot: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase: string | undefined;
}

export interface AppendedAccess {
  readonly recorded: readonly RecordedAccess[];
  /** `engine`: the running engine wrote them (and seals them with its next window); `direct`: written and sealed here. */
  readonly via: 'engine' | 'direct';
}

/**
 * Puts entries on the access log from outside the engine (`aev export`, `aev request review`), all or
 * none. The index has one writer at a time: when an engine runs, it writes them (control method
 * `access.record`), since a second writer could make its own transactions fail (an unacknowledged
 * event, a lost fragment). When none runs, this process takes the engine's lock, writes them and seals
 * the access session's window at once with the device key, so the entry is signed now rather than at
 * the next engine start (invariant I2); its time-stamp follows when an engine next runs (I3: pending,
 * and `aev verify` says so).
 */
export async function appendAccessLog(
  store: AccessStore,
  entries: readonly AccessEntry[],
  clock: Clock = systemClock,
): Promise<AppendedAccess> {
  const paths = runtimePaths(store.dataRoot);
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await controlRequest(paths.socketPath, 'access.record', { entries });
      return { recorded: value as RecordedAccess[], via: 'engine' };
    } catch (error) {
      if (!(error instanceof AevError && error.code === 'E_DAEMON_UNREACHABLE')) throw error;
    }
    try {
      return { recorded: await appendDirect(store, entries, clock), via: 'direct' };
    } catch (error) {
      // An engine started between the two attempts: hand the entries to it once it listens.
      if (!(error instanceof AevError && error.code === 'E_DAEMON_LOCKED') || attempt >= LOCKED_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function appendDirect(
  store: AccessStore,
  entries: readonly AccessEntry[],
  clock: Clock,
): Promise<RecordedAccess[]> {
  const paths = runtimePaths(store.dataRoot);
  // The vault first (a passphrase unlock takes a moment): the lock is held only while writing.
  const vault = await openVault({ vaultDir: paths.vaultDir, keyring: store.keyring, passphrase: store.passphrase });
  try {
    // The engine's own lock: no engine starts (and writes) while this process does.
    const lock = acquireDaemonLock(paths.lockPath, () => clock.now());
    try {
      const db = openIndex(paths.indexPath);
      try {
        const log = new AccessLog(db, vault.subkey('index-fields'), clock);
        const recorded = log.record(entries);
        const sessionId = log.sessionId();
        if (sessionId !== null) {
          const device = await loadOrCreateDeviceIdentity(vault, store.dataRoot);
          // No time-stamp queue runs here: the record waits in tsa_queue for the next engine.
          new WindowSealer(db, new ChainStore(db), device, clock, silentLogger, () => undefined).sealWindow(
            sessionId,
            false,
          );
        }
        return recorded;
      } finally {
        db.close();
      }
    } finally {
      lock.release();
    }
  } finally {
    vault.close();
  }
}
