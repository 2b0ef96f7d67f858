import { AevError } from '../../common/errors.ts';
import type { StorageStatus } from '../../common/model/status.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/**
 * Whether the engine can store what it receives (issue 7: "the user is told" when the disk is full).
 * A refused write with E_DISK_FULL turns the state to full, logged once per episode; the next write that
 * lands turns it back, logged too. `aev status` shows it.
 */
export class StorageHealth {
  readonly #clock: Clock;
  readonly #logger: Logger;
  #status: StorageStatus = { state: 'ok', since: null, refused: 0 };

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Runs a write and notes how it went; the write's own result or error passes through. */
  async track<T>(write: () => Promise<T>): Promise<T> {
    try {
      const value = await write();
      this.#stored();
      return value;
    } catch (error) {
      if (error instanceof AevError && error.code === 'E_DISK_FULL') this.#full(error.message);
      throw error;
    }
  }

  status(): StorageStatus {
    return this.#status;
  }

  #full(message: string): void {
    if (this.#status.state === 'full') {
      this.#status = { ...this.#status, refused: this.#status.refused + 1 };
      return;
    }
    this.#status = { state: 'full', since: new Date(this.#clock.now()).toISOString(), refused: 1 };
    this.#logger.error('the disk is full: events and captured media are refused until space returns', { message });
  }

  #stored(): void {
    if (this.#status.state === 'ok') return;
    this.#logger.info('storage is back: events are stored again', {
      since: this.#status.since,
      refused: this.#status.refused,
    });
    this.#status = { state: 'ok', since: null, refused: 0 };
  }
}
