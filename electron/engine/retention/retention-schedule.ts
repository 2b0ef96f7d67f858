import type { AutoPurgeStatus } from '../../common/model/status.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { DAY_MS } from './retention-policy.ts';
import type { RetentionService } from './retention-service.ts';
import type { PurgeResult } from './retention-types.ts';

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
  #firstAutoPurge: AutoPurgeStatus | null = null;

  constructor(service: RetentionService, clock: Clock, logger: Logger) {
    this.#service = service;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** The first automatic run since start that deleted anything; null until one has. */
  get firstAutoPurge(): AutoPurgeStatus | null {
    return this.#firstAutoPurge;
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
    const at = new Date(now).toISOString();
    this.#running = this.#settle(
      this.#service.applyDue().then((results) => {
        if (results.length > 0 && this.#firstAutoPurge === null) this.#announce(at, results);
        return results;
      }),
    );
  }

  /**
   * The first automatic purge after start deletes evidence the user may not expect to lose (the policy
   * was set long ago, or the engine was off for months): said at warn level, so `aev daemon --quiet`
   * shows it too, and kept for the tray's notice (docs/retention.md "Telling the user").
   */
  #announce(at: string, results: readonly PurgeResult[]): void {
    const days = this.#service.config.days;
    const bytes = results.reduce((n, r) => n + r.bytes, 0);
    this.#firstAutoPurge = { at, sessions: results.length, bytes, policyDays: days };
    this.#logger.warn(
      `retention: purged ${String(results.length)} session(s) (${String(bytes)} bytes) under the ${String(days)}-day ` +
        'policy, the first automatic purge since start; their signed tombstones remain (aev verify reports ' +
        'PURGED). `aev retention status` lists what is due next; retention.auto false (AEV_RETENTION_AUTO=off) ' +
        'purges by hand only',
      { sessions: results.slice(0, 20).map((r) => r.sessionId), policyDays: days, bytes },
    );
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
