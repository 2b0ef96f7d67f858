import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import { serveKeyringRequests } from './channel-keyring.ts';
import { fromEngineSchema } from './host-messages.ts';
import type { FromEngine, MessageLink } from './host-messages.ts';

/** The engine's process as main sees it: a utility process in the app, a forked Node child in tests. */
export interface EngineProcessHandle {
  readonly link: MessageLink;
  /** Resolves with the exit code when the process is gone. */
  readonly exited: Promise<number | null>;
  kill(): void;
  /** Transfers a MessagePort to the engine with `{ type: 'capture-port' }` (the app's capture page). */
  sendCapturePort?(port: unknown): void;
}

export interface HostRequest {
  readonly dataRoot: string;
  /** The app's keyring (safeStorage), served to the engine process over the link; null: none usable. */
  readonly keyring: KeyringPort | null;
  readonly passphrase?: string;
}

export type EngineReady = Extract<FromEngine, { type: 'ready' }>;

/**
 * Starts the engine in its process and waits for `ready`. A `failed` answer becomes the engine's own
 * coded error (E_VAULT_MISSING, E_VAULT_LOCKED, E_DAEMON_LOCKED, ...) so main can ask for a passphrase or
 * connect instead; a process that exits or stays silent is E_DAEMON_UNREACHABLE / E_TIMEOUT.
 */
export async function startHostedEngine(
  proc: EngineProcessHandle,
  request: HostRequest,
  timeoutMs = 120_000,
): Promise<EngineReady> {
  // Served for the engine's whole life: the vault may write its keyring entry when it creates itself.
  serveKeyringRequests(proc.link, request.keyring);
  let unsubscribe = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<EngineReady>((resolve, reject) => {
      unsubscribe = proc.link.onMessage((message) => {
        const parsed = fromEngineSchema.safeParse(message);
        if (!parsed.success) return;
        if (parsed.data.type === 'ready') resolve(parsed.data);
        else if (parsed.data.type === 'failed') reject(new AevError(parsed.data.code, parsed.data.message));
      });
      void proc.exited.then((code) => {
        reject(new AevError('E_DAEMON_UNREACHABLE', `the engine process exited (${String(code)}) before it was ready`));
      });
      timer = setTimeout(() => {
        reject(new AevError('E_TIMEOUT', `the engine process was not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      proc.link.send({
        type: 'start',
        dataRoot: request.dataRoot,
        keyring: request.keyring === null ? null : { backend: request.keyring.backend, secure: request.keyring.secure },
        ...(request.passphrase === undefined ? {} : { passphrase: request.passphrase }),
      });
    });
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

/**
 * Asks the engine to stop cleanly (acknowledged events written, windows sealed) and waits for the
 * process to exit; kills it only when it does not within `timeoutMs`.
 */
export async function stopHostedEngine(proc: EngineProcessHandle, timeoutMs = 30_000): Promise<number | null> {
  proc.link.send({ type: 'stop' });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, timeoutMs);
  });
  try {
    const first = await Promise.race([proc.exited, late]);
    if (first !== 'late') return first;
    proc.kill();
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}
