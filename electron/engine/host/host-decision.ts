import { AevError, isAevError } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import { controlRequest } from '../client/control-request.ts';
import { isAlive, readLock } from '../runtime/daemon-lock.ts';
import type { LockInfo } from '../runtime/daemon-lock.ts';
import { runtimePaths } from '../runtime/data-root.ts';

/**
 * What the app does with a data root: connect to the engine already serving it (an `aev daemon` the user
 * started), host one in its own utility process, or wait because an engine holds the lock but does not
 * answer yet (it is starting, or hung). In every case main then talks to the engine over the socket only.
 */
export type HostDecision =
  | { readonly mode: 'connect'; readonly socketPath: string; readonly status: EngineStatus }
  | { readonly mode: 'host'; readonly socketPath: string; readonly staleLock: LockInfo | null }
  | { readonly mode: 'wait'; readonly socketPath: string; readonly holder: LockInfo };

export interface DecideOptions {
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Decides from the lock file and a `status` request on the socket. The socket is asked first: an engine
 * that answers is the truth whatever the lock says. An engine that answers for another data root (a
 * socket moved under us) is an error, never something to connect to.
 */
export async function decideEngineHost(dataRoot: string, opts: DecideOptions = {}): Promise<HostDecision> {
  const paths = runtimePaths(dataRoot, process.platform, opts.env ?? process.env);
  const socketPath = paths.socketPath;
  try {
    const status = (await controlRequest(socketPath, 'status', {}, opts.timeoutMs ?? 3000)) as EngineStatus;
    if (status.dataRoot !== paths.dataRoot)
      throw new AevError('E_CONFIG', `the engine at ${socketPath} serves ${status.dataRoot}, not ${paths.dataRoot}`, {
        socketPath,
      });
    return { mode: 'connect', socketPath, status };
  } catch (error) {
    // Not ours (E_PERMISSIONS), or answering for another data root: never host on top of that.
    if (!isAevError(error) || (error.code !== 'E_DAEMON_UNREACHABLE' && error.code !== 'E_TIMEOUT')) throw error;
  }
  const holder = readLock(paths.lockPath);
  if (holder === null) return { mode: 'host', socketPath, staleLock: null };
  if (holder.pid !== process.pid && isAlive(holder.pid)) return { mode: 'wait', socketPath, holder };
  // The holder is gone: the hosted engine takes the lock over and records the unclean stop (invariant I4).
  return { mode: 'host', socketPath, staleLock: holder };
}
