import { Worker } from 'node:worker_threads';
import { AevError } from '../../common/errors.ts';
import { workerBeside } from '../runtime/worker-path.ts';

/** SHA-256 digest, then its RFC 6962 leaf hash, per event in a reply's `hashes`. */
export const HASHES_PER_EVENT = 64;

export interface EventCryptoWorkerData {
  readonly key: Uint8Array;
}

export interface EventCryptoRequest {
  readonly id: number;
  /** The events' stored bytes, one after the other; `ends[i]` is where event i's end. */
  readonly plains: ArrayBuffer;
  readonly ends: Uint32Array;
  /** Event ids, for each ciphertext's additional authenticated data. */
  readonly ids: readonly string[];
}

export interface EventCryptoReply {
  readonly id: number;
  readonly hashes: ArrayBuffer;
  /** iv || ciphertext || tag per event, one after the other; `ends[i]` is where event i's ends. */
  readonly sealed: ArrayBuffer;
  readonly ends: Uint32Array;
}

/** What the worker computed for one event. */
export interface SealedEvent {
  readonly digest: Buffer;
  readonly leaf: Buffer;
  readonly ct: Buffer;
}

/**
 * Hashes and encrypts big batches of events in a worker thread, so the engine thread spends that time
 * (SHA-256, the Merkle leaf and AES-256-GCM with a cipher object per event: ~8 µs of its ~55 µs an
 * event, docs/performance.md) reading and validating the next events instead. The engine thread keeps
 * everything that decides what is stored (sequencing, the stored bytes, the Merkle tree, the rows): the
 * worker is handed finished bytes and gives back their digests and ciphertexts. A worker that fails is
 * not used again; its batch and every later one are hashed and encrypted on the engine thread.
 */
export class EventCrypto {
  readonly #worker: Worker;
  readonly #pending = new Map<number, PromiseWithResolvers<SealedEvent[]>>();
  #nextId = 0;
  #failed: Error | null = null;

  constructor(key: Buffer) {
    const workerData: EventCryptoWorkerData = { key: new Uint8Array(key) };
    this.#worker = new Worker(workerBeside(import.meta.url, 'event-crypto-worker'), { workerData });
    // Never what keeps a process alive; the queue closes it on shutdown.
    this.#worker.unref();
    this.#worker.on('message', (reply: EventCryptoReply) => {
      this.#onReply(reply);
    });
    this.#worker.on('error', (error: Error) => {
      this.#fail(error);
    });
    this.#worker.once('exit', (code) => {
      this.#fail(new Error(`the event crypto worker exited with code ${String(code)}`));
    });
  }

  /** False once the worker has failed or been closed: callers then do the work themselves. */
  get usable(): boolean {
    return this.#failed === null;
  }

  /** Digest, leaf hash and ciphertext of each event, in order. Rejects if the worker fails meanwhile. */
  seal(plains: readonly Buffer[], ids: readonly string[]): Promise<SealedEvent[]> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    const ends = new Uint32Array(plains.length);
    let total = 0;
    plains.forEach((p, i) => {
      total += p.length;
      ends[i] = total;
    });
    const joined = new Uint8Array(new ArrayBuffer(total));
    let at = 0;
    for (const p of plains) {
      joined.set(p, at);
      at += p.length;
    }
    const request: EventCryptoRequest = { id, plains: joined.buffer, ends, ids };
    const waiter = Promise.withResolvers<SealedEvent[]>();
    this.#pending.set(id, waiter);
    this.#worker.postMessage(request, [joined.buffer, ends.buffer]);
    return waiter.promise;
  }

  close(): void {
    this.#fail(new AevError('E_SHUTTING_DOWN', 'the engine is shutting down'));
    void this.#worker.terminate();
  }

  #onReply(reply: EventCryptoReply): void {
    const waiter = this.#pending.get(reply.id);
    if (waiter === undefined) return;
    this.#pending.delete(reply.id);
    const hashes = Buffer.from(reply.hashes);
    const sealed = Buffer.from(reply.sealed);
    const out: SealedEvent[] = [];
    let start = 0;
    for (let i = 0; i < reply.ends.length; i++) {
      const end = reply.ends[i] ?? start;
      const h = i * HASHES_PER_EVENT;
      out.push({
        digest: hashes.subarray(h, h + 32),
        leaf: hashes.subarray(h + 32, h + HASHES_PER_EVENT),
        ct: sealed.subarray(start, end),
      });
      start = end;
    }
    waiter.resolve(out);
  }

  #fail(error: Error): void {
    this.#failed ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }
}
