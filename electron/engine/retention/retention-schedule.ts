import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { DAY_MS } from './retention-policy.ts';
import type { RetentionService } from './retention-service.ts';

/**
 * Applies the retention policy at engine start and then once a day, by the injected clock: a timer
 * looks every `checkEveryMs` whether the next run's time has come, so a test (or a laptop waking from a
 * week of sleep) sees the run as soon as the clock says a day has passed, not a day of timer later.
 */
export class RetentionSchedule {
  readonly #service: RetentionService;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(service: RetentionService, clock: Clock, logger: Logger) {
    this.#service = service;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Runs now (in the background: the engine's start does not wait for a purge) and schedules the next runs. */
  start(): void {
    if (!this.#service.config.auto) {
      this.#running = this.#settle(this.#service.finishIncomplete());
      return;
    }
    this.#service.nextRunMs = this.#clock.now();
    this.#timer = setInterval(() => {
      this.#tick();
    }, this.#service.config.checkEveryMs);
    this.#timer.unref();
    setImmediate(() => {
      this.#tick();
    });
  }

  /** Stops the timer and waits for a run in progress to reach a safe point. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#service.stop();
    await this.#running;
  }

  #tick(): void {
    const next = this.#service.nextRunMs;
    if (this.#stopped || this.#running !== null || next === null) return;
    const now = this.#clock.now();
    // A wall clock set back would push the next run out for as long as it went back: a day at most.
    if (next - now > DAY_MS) this.#service.nextRunMs = now + DAY_MS;
    if (now < next) return;
    this.#service.nextRunMs = now + DAY_MS;
    this.#running = this.#settle(this.#service.applyDue());
  }

  #settle(run: Promise<readonly unknown[]>): Promise<void> {
    return run
      .then((results) => {
        if (results.length > 0) this.#logger.info('retention applied', { purged: results.length });
      })
      .catch((error: unknown) => {
        this.#logger.error('retention run failed', { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        this.#running = null;
      });
  }
}
