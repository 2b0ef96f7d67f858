import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError, isAevError } from '../../common/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import { EngineMonitor } from './engine-monitor.ts';
import { decideEngineHost } from './host-decision.ts';
import { startHostedEngine, stopHostedEngine } from './hosted-engine.ts';
import type { EngineProcessHandle } from './hosted-engine.ts';
import type { EngineLink } from './tray-view.ts';

export type PassphraseAsk = 'new' | 'unlock';

export interface SupervisorDeps {
  readonly dataRoot: string;
  /** The app's keyring (safeStorage), or null where none is usable. */
  readonly keyring: KeyringPort | null;
  /** Starts an engine process (an Electron utility process in the app). */
  readonly fork: () => EngineProcessHandle;
  /**
   * Asks the user for the recovery passphrase: `new` to create the vault, `unlock` to open it when no
   * secure keyring can. `error` says why the previous answer was refused. Null: the user declined.
   */
  readonly askPassphrase: (ask: PassphraseAsk, error: string | null) => Promise<string | null>;
  readonly onLink: (link: EngineLink) => void;
  readonly logger: Logger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for an engine that holds the lock but does not answer yet. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

/**
 * Brings the app to a running engine and keeps watching it: connects to the `aev daemon` serving the data
 * root, or hosts the engine in its own process, asking for the recovery passphrase when the vault needs
 * it (first run, or a keyring that cannot unlock). Whatever the path, main then talks to the engine over
 * the socket only, and every change of state reaches `onLink`.
 */
export class EngineSupervisor {
  readonly #deps: SupervisorDeps;
  #monitor: EngineMonitor | null = null;
  #hosted: EngineProcessHandle | null = null;
  #socketPath: string | null = null;
  #passphrase: string | undefined;
  #stopping = false;

  constructor(deps: SupervisorDeps) {
    this.#deps = deps;
  }

  /** The engine's socket once connected. */
  get socketPath(): string | null {
    return this.#socketPath;
  }

  /** The passphrase the user gave, if any (the app host needs it to open the vault for exports). */
  get passphrase(): string | undefined {
    return this.#passphrase;
  }

  get hosted(): boolean {
    return this.#hosted !== null;
  }

  /** Connects or hosts; on failure the coded reason goes to `onLink` (the tray offers to retry). */
  async connect(): Promise<void> {
    this.#stopping = false;
    this.#deps.onLink({ state: 'starting' });
    try {
      await this.#connect();
    } catch (error) {
      const body = isAevError(error)
        ? { code: error.code, message: error.message }
        : { code: 'E_INTERNAL' as const, message: String(error) };
      this.#deps.logger.error('the app has no engine', { code: body.code });
      this.#deps.onLink({ state: 'failed', ...body });
    }
  }

  /** Stops watching, and stops the engine if this app hosts it (a daemon is left running). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#monitor?.stop();
    this.#monitor = null;
    const hosted = this.#hosted;
    this.#hosted = null;
    if (hosted !== null) await stopHostedEngine(hosted);
  }

  async #connect(): Promise<void> {
    const deadline = Date.now() + (this.#deps.waitMs ?? 15_000);
    for (;;) {
      const decision = await decideEngineHost(
        this.#deps.dataRoot,
        this.#deps.env === undefined ? {} : { env: this.#deps.env },
      );
      if (decision.mode === 'connect') {
        this.#watch(decision.socketPath, false);
        return;
      }
      if (decision.mode === 'wait') {
        if (Date.now() > deadline)
          throw new AevError(
            'E_DAEMON_LOCKED',
            `an engine (pid ${decision.holder.pid}) holds ${this.#deps.dataRoot} but does not answer; stop it or wait, then retry`,
          );
        await sleep(500);
        continue;
      }
      const proc = this.#deps.fork();
      try {
        const ready = await startHostedEngine(proc, {
          dataRoot: this.#deps.dataRoot,
          keyring: this.#deps.keyring,
          ...(this.#passphrase === undefined ? {} : { passphrase: this.#passphrase }),
        });
        this.#hosted = proc;
        void proc.exited.then((code) => {
          if (this.#hosted !== proc || this.#stopping) return;
          this.#hosted = null;
          this.#deps.logger.error('the engine process exited', { code });
          void this.#monitor?.poll();
        });
        this.#watch(ready.socketPath, true);
        return;
      } catch (error) {
        await proc.exited;
        if (!isAevError(error)) throw error;
        const ask = passphraseAskFor(error.code);
        if (error.code === 'E_DAEMON_LOCKED' && Date.now() <= deadline) continue; // a daemon won the race
        if (ask === null) throw error;
        const given = await this.#deps.askPassphrase(ask, error.code === 'E_BAD_PASSPHRASE' ? error.message : null);
        if (given === null) throw error;
        this.#passphrase = given;
      }
    }
  }

  #watch(socketPath: string, hosted: boolean): void {
    this.#socketPath = socketPath;
    this.#monitor?.stop();
    this.#monitor = new EngineMonitor({ socketPath, hosted, intervalMs: this.#deps.pollMs ?? 2000 }, (link) => {
      this.#deps.onLink(link);
    });
    this.#monitor.start();
  }
}

/** Which passphrase question a failed start calls for, if any. */
export function passphraseAskFor(code: string): PassphraseAsk | null {
  switch (code) {
    case 'E_VAULT_MISSING':
      return 'new';
    case 'E_VAULT_LOCKED':
    case 'E_BAD_PASSPHRASE':
      return 'unlock';
    default:
      return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
