import { AevError } from '../../common/errors.ts';
import type { ClientKind } from '../../common/model/agent.ts';
import type { Clock } from '../runtime/clock.ts';
import { storageError } from './event-writer.ts';
import type { EventWriter, PendingEvent, PreparedBatch, WrittenEvent } from './event-writer.ts';
import type { SealedEvent } from './event-crypto.ts';
import type { NormalizedEvent } from './normalize-event.ts';
import type { AckSpan, AckTrace } from './ack-trace.ts';

interface Waiter {
  readonly pending: PendingEvent;
  /** Set only while an AckTrace runs (AEV_TRACE_ACKS). */
  readonly span: AckSpan | null;
  readonly resolve: (w: WrittenEvent) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * An event written to the index and waiting for the disk before it is acknowledged. It keeps only what
 * the answer needs, not the event: a busy engine has thousands waiting, and the payloads (and the socket
 * chunks their bytes are views of) are garbage from here on instead of surviving collection after
 * collection until the flush ends.
 */
interface Committed {
  readonly span: AckSpan | null;
  readonly resolve: (w: WrittenEvent) => void;
  readonly reject: (e: unknown) => void;
  readonly receivedAtMs: number;
  readonly written: WrittenEvent;
}

function committedOf(waiter: Waiter, written: WrittenEvent | undefined): Committed {
  if (waiter.span !== null) waiter.span.committed = performance.now();
  return {
    span: waiter.span,
    resolve: waiter.resolve,
    reject: waiter.reject,
    receivedAtMs: waiter.pending.receivedAtMs,
    written: mustHave(written),
  };
}

/** What the queue needs from the index (IndexDurability) to acknowledge only durable events. */
export interface CommitDurability {
  /** True: commits skip their fsync and are durable once `sync` resolves; false: durable when committed. */
  readonly deferred: boolean;
  sync(): Promise<void>;
  syncBlocking(): void;
  /** While non-null, commits wait for it. */
  readonly commitsHeld: Promise<void> | null;
}

/** Most events one transaction takes; bounds how long one commit keeps the thread when a burst arrives. */
const MAX_BATCH = 2000;
/** Flushes of the log in flight at once. */
const MAX_FLUSHES = 2;
/**
 * A batch this small does not wait for the flush in flight: it is committed and flushed beside it, so a
 * lone event waits for one flush, not one and a half. A bigger batch waits, and grows meanwhile: a busy
 * engine writes fewer, bigger transactions.
 */
const SMALL_BATCH = 8;
/**
 * While a flush is in flight, this many waiting events are committed at once instead of after it ends
 * (they wait for the next flush all the same): the thread's work on them overlaps the disk's instead
 * of following it. Fewer wait for the flush to end and join the batch that grows meanwhile.
 */
const COMMIT_AHEAD = 64;

/**
 * A batch at least this big is hashed and encrypted in a worker thread while this one reads and checks
 * the next events (EventCrypto); a smaller one here, where the round trip would cost more than it saves.
 */
const SEAL_ELSEWHERE = 64;

/** A batch sequenced and sent to the worker, to be written when it comes back (or by `drain`). */
interface Sealing {
  readonly batch: readonly Waiter[];
  readonly prepared: PreparedBatch;
  /** Written already (the worker answered, or drain did not wait for it). */
  taken: boolean;
}

/** A flush of the log in flight, and the events committed before it started that it makes durable. */
interface Flush {
  readonly covered: Committed[];
  done: boolean;
  error: unknown;
}

/**
 * Pipelined group commit (invariant I7: acknowledged only when durable). Events that arrive while the
 * thread is busy are committed together in one transaction, without an fsync; one flush of the
 * write-ahead log then makes the whole batch durable and every event in it is acknowledged. The flush
 * runs in the thread pool, so while it is in flight the thread keeps reading and validating the next
 * batch: a small one is committed and flushed at once beside it, a big one when it ends. Ack latency is
 * thus about one flush of the disk, and the thread never waits for one. A flush covers only what was
 * committed before it started; acks follow the order of the flushes, so they keep commit order.
 */
export class IngestQueue {
  readonly #writer: EventWriter;
  readonly #clock: Clock;
  readonly #durability: CommitDurability;
  #queue: Waiter[] = [];
  /** Committed, waiting for the next flush to start. */
  #unsynced: Committed[] = [];
  /** Flushes in flight, oldest first. */
  #flushes: Flush[] = [];
  /** The batch in the worker; nothing else is committed until it is (its sequence numbers are taken). */
  #sealing: Sealing | null = null;
  #scheduled = false;
  #waitingForHold = false;
  #closed = false;
  #written = 0;
  #lastEventAtMs: number | null = null;
  readonly #trace: AckTrace | null;

  constructor(writer: EventWriter, clock: Clock, durability: CommitDurability, trace: AckTrace | null = null) {
    this.#writer = writer;
    this.#clock = clock;
    this.#durability = durability;
    this.#trace = trace;
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
      this.#queue.push({ pending, resolve, reject, span: this.#trace?.begin() ?? null });
      this.#schedule();
    });
  }

  get writtenThisRun(): number {
    return this.#written;
  }

  get lastEventAtMs(): number | null {
    return this.#lastEventAtMs;
  }

  /**
   * Stops taking events, then writes, syncs and acknowledges everything already submitted before it
   * returns (blocking: this is shutdown, and the answers must be out before the connections close).
   */
  drain(): void {
    this.#closed = true;
    // The batch in the worker goes first (its sequence numbers come before the queue's), sealed here.
    const sealing = this.#sealing;
    if (sealing !== null) this.#writeSealed(sealing, null);
    this.#writer.stopWorker();
    while (this.#queue.length > 0) this.#commitNext();
    const waiting = [...this.#flushes.flatMap((f) => f.covered.splice(0)), ...this.#unsynced.splice(0)];
    if (waiting.length === 0) return;
    try {
      this.#durability.syncBlocking();
    } catch (error) {
      this.#fail(waiting, error);
      return;
    }
    this.#acknowledge(waiting);
  }

  #schedule(): void {
    if (this.#scheduled || this.#waitingForHold) return;
    this.#scheduled = true;
    // setImmediate runs after pending I/O callbacks: every frame already read joins this batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#closed) return;
    // Events committed ahead while the last flush was in flight: their flush starts now.
    if (this.#flushes.length === 0) this.#startSync();
    if (this.#queue.length === 0 || this.#sealing !== null) return;
    const inFlight = this.#flushes.length;
    // A small batch beside a flush in flight gets a flush of its own (see SMALL_BATCH); a big one is
    // committed ahead and waits for the next flush (COMMIT_AHEAD); a middling one waits and grows.
    const beside = inFlight === 0 || (inFlight < MAX_FLUSHES && this.#queue.length <= SMALL_BATCH);
    if (!beside && this.#queue.length < COMMIT_AHEAD) return;
    const held = this.#durability.commitsHeld;
    if (held !== null) {
      this.#waitingForHold = true;
      const heldAt = performance.now();
      void held.then(() => {
        this.#trace?.mark('hold', heldAt);
        this.#waitingForHold = false;
        this.#schedule();
      });
      return;
    }
    this.#commitNext();
    if (beside) this.#startSync();
    if (this.#queue.length > 0) this.#schedule();
  }

  /**
   * Commits the next batch; what cannot be written is refused at once, the rest waits for the disk. A
   * big batch is sequenced now, hashed and encrypted in the worker, and committed when it comes back.
   */
  #commitNext(): void {
    const batch = this.#queue.splice(0, MAX_BATCH);
    if (this.#closed || !this.#durability.deferred || batch.length < SEAL_ELSEWHERE || !this.#writer.canSealElsewhere) {
      this.#committed(this.#commit(batch));
      return;
    }
    let prepared: PreparedBatch;
    try {
      prepared = this.#writer.prepare(batch.map((w) => w.pending));
    } catch {
      // Rolled back already; the one-by-one path finds the event that cannot be written.
      this.#committed(this.#commit(batch));
      return;
    }
    const sealing: Sealing = { batch, prepared, taken: false };
    this.#sealing = sealing;
    this.#writer.sealElsewhere(prepared).then(
      (sealed) => {
        this.#sealed(sealing, sealed);
      },
      () => {
        // The worker failed (it is not used again): the same work on this thread.
        this.#sealed(sealing, null);
      },
    );
  }

  #committed(committed: Committed[]): void {
    if (this.#durability.deferred) this.#unsynced.push(...committed);
    else this.#acknowledge(committed);
  }

  /** The worker answered: write the batch (after any log restart), then carry on with the queue. */
  #sealed(sealing: Sealing, sealed: readonly SealedEvent[] | null): void {
    if (sealing.taken) return;
    const held = this.#durability.commitsHeld;
    if (held !== null) {
      void held.then(() => {
        this.#sealed(sealing, sealed);
      });
      return;
    }
    this.#writeSealed(sealing, sealed);
    this.#flush();
  }

  /** Writes the batch from the worker (hashed and encrypted here when `sealed` is null). */
  #writeSealed(sealing: Sealing, sealed: readonly SealedEvent[] | null): void {
    sealing.taken = true;
    this.#sealing = null;
    let committed: Committed[];
    try {
      const written = this.#writer.write(
        sealing.prepared,
        sealed ?? this.#writer.sealHere(sealing.prepared),
        this.#durability.deferred,
      );
      committed = sealing.batch.map((waiter, i) => committedOf(waiter, written[i]));
    } catch (error) {
      // Rolled back, sequence numbers included: the events are written again as any failed batch is.
      committed = this.#retryOneByOne(sealing.batch, error);
    }
    this.#committed(committed);
  }

  #commit(batch: readonly Waiter[]): Committed[] {
    const write = (b: readonly PendingEvent[]): WrittenEvent[] =>
      this.#durability.deferred ? this.#writer.writeBatchUnsynced(b) : this.#writer.writeBatch(b);
    let written: WrittenEvent[];
    try {
      written = write(batch.map((w) => w.pending));
    } catch (error) {
      return this.#retryOneByOne(batch, error);
    }
    return batch.map((waiter, i) => committedOf(waiter, written[i]));
  }

  /**
   * One event that cannot be written must not fail the others that shared its transaction: they are
   * written one by one (the writer rolled its state back), so only the bad one is refused.
   */
  #retryOneByOne(batch: readonly Waiter[], error: unknown): Committed[] {
    if (batch.length === 1) {
      for (const w of batch) w.reject(error);
      return [];
    }
    const write = (b: readonly PendingEvent[]): WrittenEvent[] =>
      this.#durability.deferred ? this.#writer.writeBatchUnsynced(b) : this.#writer.writeBatch(b);
    const committed: Committed[] = [];
    for (const waiter of batch) {
      try {
        committed.push(committedOf(waiter, write([waiter.pending])[0]));
      } catch (single) {
        waiter.reject(single);
      }
    }
    return committed;
  }

  /** Starts a flush for everything committed and not yet covered by one. */
  #startSync(): void {
    if (this.#unsynced.length === 0) return;
    const flush: Flush = { covered: this.#unsynced, done: false, error: null };
    this.#unsynced = [];
    if (this.#trace !== null) stamp(flush.covered, 'flushStarted', this.#flushes.length);
    this.#flushes.push(flush);
    const finish = (error: unknown): void => {
      if (this.#trace !== null) stamp(flush.covered, 'flushEnded');
      flush.done = true;
      flush.error = error;
      this.#settleFlushes();
      this.#flush();
    };
    this.#durability.sync().then(
      () => {
        finish(null);
      },
      (error: unknown) => {
        finish(error ?? new Error('flush failed'));
      },
    );
  }

  /** Answers finished flushes in the order they started, so acknowledgements keep commit order. */
  #settleFlushes(): void {
    while (this.#flushes[0]?.done === true) {
      const flush = this.#flushes.shift();
      if (flush === undefined) return;
      if (flush.error === null) this.#acknowledge(flush.covered.splice(0));
      else this.#fail(flush.covered.splice(0), flush.error);
    }
  }

  #acknowledge(committed: readonly Committed[]): void {
    if (committed.length === 0) return;
    this.#written += committed.length;
    this.#lastEventAtMs = committed.at(-1)?.receivedAtMs ?? this.#lastEventAtMs;
    if (this.#trace !== null) stamp(committed, 'acknowledged');
    for (const c of committed) c.resolve(c.written);
  }

  /**
   * The log could not be flushed: these events are in the index but maybe not on disk, so they are
   * refused (the agent may send them again), never acknowledged.
   */
  #fail(committed: readonly Committed[], error: unknown): void {
    const coded = storageError(error);
    for (const c of committed) c.reject(coded);
  }
}

function mustHave(w: WrittenEvent | undefined): WrittenEvent {
  if (w === undefined) throw new AevError('E_INTERNAL', 'event batch result missing');
  return w;
}

/** Stamps `field` of every traced event in `committed` with now (and, for a flush start, how many were ahead). */
function stamp(
  committed: readonly Committed[],
  field: 'flushStarted' | 'flushEnded' | 'acknowledged',
  ahead?: number,
): void {
  const now = performance.now();
  for (const c of committed) {
    if (c.span === null) continue;
    c.span[field] = now;
    if (ahead !== undefined) c.span.flushesAhead = ahead;
  }
}
