import { isAevError } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import { controlRequest } from '../client/control-request.ts';
import type { EngineLink } from './tray-view.ts';

export interface MonitorOptions {
  readonly socketPath: string;
  /** The engine runs in the app's utility process (else in an `aev daemon`). */
  readonly hosted: boolean;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/**
 * Asks the engine for its status every few seconds over the socket (the one path main uses whether it
 * hosts the engine or connects to a daemon) and hands each answer, or the coded reason there was none,
 * to `onLink`. Polls never overlap: a slow engine delays the next poll instead of stacking requests.
 */
export class EngineMonitor {
  readonly #opts: MonitorOptions;
  readonly #onLink: (link: EngineLink) => void;
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;

  constructor(opts: MonitorOptions, onLink: (link: EngineLink) => void) {
    this.#opts = opts;
    this.#onLink = onLink;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One status request now; the answer also goes to `onLink`. */
  async poll(): Promise<EngineLink> {
    let link: EngineLink;
    try {
      const status = (await controlRequest(
        this.#opts.socketPath,
        'status',
        {},
        this.#opts.timeoutMs ?? 5000,
      )) as EngineStatus;
      link = { state: 'connected', hosted: this.#opts.hosted, status };
    } catch (error) {
      link = isAevError(error)
        ? { state: 'failed', code: error.code, message: error.message }
        : { state: 'failed', code: 'E_INTERNAL', message: String(error) };
    }
    this.#onLink(link);
    return link;
  }

  async #tick(): Promise<void> {
    await this.poll();
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#opts.intervalMs ?? 2000);
    this.#timer.unref();
  }
}
