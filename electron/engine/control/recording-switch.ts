import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { SealService } from '../seal/seal-service.ts';
import type { RecordingControl } from './control-service.ts';

/**
 * Pause and resume (invariant I4): pausing seals what is pending; resuming writes a signed `paused`
 * gap, with the reason and the interval, into every open session. While paused, acks say
 * `recording: false` so fail-closed hooks deny tool calls. Stopping the engine also turns it off.
 */
export class RecordingSwitch implements RecordingControl {
  readonly #clock: Clock;
  readonly #logger: Logger;
  #seal: SealService | null = null;
  #paused: { since: string; reason: string } | null = null;
  #stopping = false;

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  attach(seal: SealService): void {
    this.#seal = seal;
  }

  get recording(): boolean {
    return this.#paused === null && !this.#stopping;
  }

  /** The engine is stopping: a pause still running goes on record now, or it would be lost. */
  stopping(): void {
    if (this.#paused !== null && this.#seal !== null) {
      const detail = `paused ${this.#paused.since} until the engine stopped at ${this.#now()}: ${this.#paused.reason}`;
      this.#seal.gapInOpenSessions('paused', detail);
      this.#paused = null;
    }
    this.#stopping = true;
  }

  pause(reason: string): { readonly paused: true; readonly since: string } {
    if (this.#paused === null) {
      this.#paused = { since: this.#now(), reason };
      this.#seal?.sealer.sealDue();
      this.#logger.info('recording paused', { since: this.#paused.since });
    }
    return { paused: true, since: this.#paused.since };
  }

  resume(): { readonly paused: false; readonly gaps: number } {
    if (this.#paused === null) return { paused: false, gaps: 0 };
    const detail = `paused ${this.#paused.since} to ${this.#now()}: ${this.#paused.reason}`;
    this.#paused = null;
    const gaps = this.#seal?.gapInOpenSessions('paused', detail) ?? 0;
    this.#logger.info('recording resumed', { gaps });
    return { paused: false, gaps };
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
