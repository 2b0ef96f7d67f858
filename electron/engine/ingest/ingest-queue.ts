import { AevError } from '../../common/errors.ts';
import type { ClientKind } from '../../common/model/agent.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EventWriter, PendingEvent, WrittenEvent } from './event-writer.ts';
import type { NormalizedEvent } from './normalize-event.ts';

interface Waiter {
  readonly pending: PendingEvent;
  readonly resolve: (w: WrittenEvent) => void;
  readonly reject: (e: unknown) => void;
}

/** Most events one transaction takes; bounds a flush's latency when a burst arrives. */
const MAX_BATCH = 2000;

/**
 * Group commit: events that arrive while the loop is busy are written together in one transaction,
 * then every one of them is acknowledged. Per-event fsync would cap us at a few thousand events/s;
 * batching keeps acks durable and makes throughput scale with load.
 */
export class IngestQueue {
  readonly #writer: EventWriter;
  readonly #clock: Clock;
  #queue: Waiter[] = [];
  #scheduled = false;
  #closed = false;
  #written = 0;
  #lastEventAtMs: number | null = null;

  constructor(writer: EventWriter, clock: Clock) {
    this.#writer = writer;
    this.#clock = clock;
  }

  /** Resolves once the event is durable in the index. */
  submit(event: NormalizedEvent, client: ClientKind): Promise<WrittenEvent> {
    if (this.#closed) return Promise.reject(new AevError('E_SHUTTING_DOWN', 'the engine is shutting down'));
    const pending: PendingEvent = {
      event,
      client,
      receivedAtMs: this.#clock.now(),
      receivedMonoUs: this.#clock.monoUs(),
    };
    return new Promise<WrittenEvent>((resolve, reject) => {
      this.#queue.push({ pending, resolve, reject });
      this.#schedule();
    });
  }

  get writtenThisRun(): number {
    return this.#written;
  }

  get lastEventAtMs(): number | null {
    return this.#lastEventAtMs;
  }

  /** Stops taking events and writes (and acknowledges) everything already submitted. */
  drain(): void {
    this.#closed = true;
    while (this.#queue.length > 0) this.#flush();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate runs after pending I/O callbacks: every frame already read joins this batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  #flush(): void {
    const batch = this.#queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    let written: WrittenEvent[];
    try {
      written = this.#writer.writeBatch(batch.map((w) => w.pending));
    } catch (error) {
      if (batch.length === 1) {
        for (const w of batch) w.reject(error);
        return;
      }
      // One event that cannot be written must not fail the others that shared its transaction: write
      // them one by one (the writer rolled its state back), so only the bad one is refused.
      for (const w of batch) {
        try {
          const [one] = this.#writer.writeBatch([w.pending]);
          if (one === undefined) throw new AevError('E_INTERNAL', 'event batch result missing');
          this.#written += 1;
          this.#lastEventAtMs = w.pending.receivedAtMs;
          w.resolve(one);
        } catch (single) {
          w.reject(single);
        }
      }
      return;
    }
    this.#written += written.length;
    this.#lastEventAtMs = batch.at(-1)?.pending.receivedAtMs ?? this.#lastEventAtMs;
    batch.forEach((w, i) => {
      const result = written[i];
      if (result === undefined) w.reject(new AevError('E_INTERNAL', 'event batch result missing'));
      else w.resolve(result);
    });
  }
}
