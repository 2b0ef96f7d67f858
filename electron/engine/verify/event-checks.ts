import type { VerifyCode } from '../../common/model/verification.ts';
import { WorkerPool, workerThreadCount } from '../runtime/worker-pool.ts';
import type { ContentFailure } from './event-content.ts';

export interface EventCheckWorkerData {
  readonly indexPath: string;
  readonly key: Uint8Array;
}

export interface EventCheckRequest {
  readonly id: number;
  readonly sessionId: string;
  readonly fromSeq: number;
  readonly toSeq: number;
}

export type EventCheckReply =
  | {
      readonly id: number;
      readonly ok: true;
      /** Seqs of the rows checked (those with a ciphertext), in order. */
      readonly checked: Int32Array;
      readonly failures: readonly (readonly [number, string, string])[];
    }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** The content checks of a session's events: those done, and their failures by seq. */
export interface EventContentResults {
  readonly checked: ReadonlySet<number>;
  readonly failures: ReadonlyMap<number, readonly ContentFailure[]>;
}

/**
 * Checks a session's events' content (decrypt, digest, row, redaction summary: event-content.ts) in
 * worker threads, a seq range each, each reading its rows from its own read-only connection to the index.
 * Reading an event's row costs verification about as much as checking it (better-sqlite3 makes a buffer
 * per blob), and the events are independent: with the rows split between threads, one per core, the
 * engine thread reads only seqs and digests (what the Merkle roots need). Sessions of fewer than
 * `minEvents` events are left to the caller's thread (starting threads costs more than they save there).
 * A row a worker did not check (one the caller's snapshot has and the worker's does not) the caller
 * checks itself. The workers get a copy of the index field key and zero it on `close`.
 */
export class EventCheckWorkers {
  readonly #indexPath: string;
  readonly #key: Buffer;
  readonly #minEvents: number;
  #pool: WorkerPool<EventCheckRequest, EventCheckReply> | null = null;

  constructor(indexPath: string, fieldKey: Buffer, minEvents = 4096) {
    this.#indexPath = indexPath;
    this.#key = fieldKey;
    this.#minEvents = minEvents;
  }

  /** Whether a session of `lastSeq` events is worth the threads (otherwise the caller checks them). */
  takes(lastSeq: number): boolean {
    return lastSeq >= this.#minEvents;
  }

  /**
   * The content checks of events 1..lastSeq of the session. A range whose worker failed is simply not
   * in `checked`: the caller checks those events itself.
   */
  async check(sessionId: string, lastSeq: number): Promise<EventContentResults> {
    const workerData: EventCheckWorkerData = { indexPath: this.#indexPath, key: new Uint8Array(this.#key) };
    const count = workerThreadCount();
    this.#pool ??= new WorkerPool(import.meta.url, 'event-check-worker', workerData, count);
    const pool = this.#pool;
    const step = Math.ceil(lastSeq / count);
    const ranges = Array.from({ length: count }, (_, i) => [i * step + 1, Math.min(lastSeq, (i + 1) * step)] as const);
    const replies = await Promise.all(
      ranges.map(([fromSeq, toSeq]) => pool.send((id) => ({ id, sessionId, fromSeq, toSeq })).catch(() => null)),
    );
    const checked = new Set<number>();
    const failures = new Map<number, ContentFailure[]>();
    for (const reply of replies) {
      if (reply === null || !reply.ok) continue;
      for (const seq of reply.checked) checked.add(seq);
      for (const [seq, code, message] of reply.failures)
        failures.set(seq, [...(failures.get(seq) ?? []), { code: code as VerifyCode, message }]);
    }
    return { checked, failures };
  }

  close(): void {
    this.#pool?.close();
    this.#pool = null;
  }
}
