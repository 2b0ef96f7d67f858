import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { AevError, assertNever } from '../../common/errors.ts';
import { CHUNK_BYTES } from '../age/age-stream.ts';
import { fsError } from '../vault/durable-file.ts';
import { workerBeside } from '../runtime/worker-path.ts';

/**
 * Archive bytes reach the writer thread in blocks this large: a whole number of age chunks, so all but
 * one chunk per block are sealed straight from it, and few enough messages to cost nothing.
 */
const BLOCK_BYTES = 16 * CHUNK_BYTES;
/**
 * Blocks in circulation: the engine thread fills one while the writer seals and writes the others. They
 * live in one SharedArrayBuffer and only their numbers travel: transferring a 1 MiB ArrayBuffer costs the
 * sender ~0.1 ms (measured), a small message a few µs.
 */
const BLOCKS = 8;
/**
 * The writer's young generation, kept small: each sealed chunk is a fresh 64 KiB buffer outside the JS
 * heap, freed only when its small JS object is collected. Frequent small scavenges hand that memory back
 * to malloc while it is still mapped and warm, instead of letting a few hundred MiB of it pile up and
 * be faulted in again (measured: ~0.25 CPU s less per 176 MB, most of it system time).
 */
const YOUNG_GENERATION_MB = 1;

export interface WriterWorkerData {
  /** The partial file's descriptor, opened (and closed) by the engine thread. */
  readonly fd: number;
  /** BLOCKS blocks of BLOCK_BYTES, one after the other; block i is the writer's from `block` to `free`. */
  readonly blocks: SharedArrayBuffer;
  readonly blockBytes: number;
  /** Written first: the age header and payload nonce, or nothing for a plain bundle. */
  readonly prefix: Uint8Array;
  /** The age payload key; null writes the blocks as they are (--plain). */
  readonly payloadKey: KeyObject | null;
}

export type WriterRequest =
  | { readonly type: 'block'; readonly block: number; readonly length: number }
  /** Seal the last chunk, write it, wait for the datasync in flight, fsync, answer `closed`. */
  | { readonly type: 'finish' };

export type WriterReply =
  /** The block's bytes are taken: the engine thread may fill it again. */
  | { readonly type: 'free'; readonly block: number }
  | { readonly type: 'closed' }
  /** Nothing more is written after this; `code` is the errno code when there is one. */
  | { readonly type: 'failed'; readonly code: string | null; readonly message: string };

/**
 * Seals (age STREAM, ChaCha20-Poly1305) and writes an archive on a worker thread, so the engine thread
 * spends that time reading, checking and archiving the next items: with two cores the export's two
 * halves run side by side (docs/performance.md, "Export and verify"). The engine thread copies archive
 * bytes into shared blocks and hands their numbers over; awaiting `write` is the backpressure when all
 * blocks are with the writer. The writer only ever writes what it was given, in order; any failure
 * (a write, a sync, the thread itself) fails every later call, and the caller then discards the file.
 */
export class BundleWriterThread {
  readonly #worker: Worker;
  readonly #file: string;
  readonly #blocks = new SharedArrayBuffer(BLOCKS * BLOCK_BYTES);
  /** Numbers of the blocks this thread may fill. */
  readonly #free: number[] = [];
  /** The block being filled: its number and a view of it. */
  #block: { readonly n: number; readonly bytes: Uint8Array } | null = null;
  #fill = 0;
  #waiting: PromiseWithResolvers<undefined> | null = null;
  #closing: PromiseWithResolvers<undefined> | null = null;
  #closed = false;
  #failure: AevError | null = null;

  /** `fd`: the open partial file `file` (named in errors); `age`: null for a plain archive. */
  constructor(fd: number, file: string, age: { readonly prefix: Buffer; readonly payloadKey: KeyObject } | null) {
    this.#file = file;
    for (let i = BLOCKS - 1; i >= 0; i--) this.#free.push(i);
    const workerData: WriterWorkerData = {
      fd,
      blocks: this.#blocks,
      blockBytes: BLOCK_BYTES,
      prefix: new Uint8Array(age?.prefix ?? []),
      payloadKey: age?.payloadKey ?? null,
    };
    this.#worker = new Worker(workerBeside(import.meta.url, 'bundle-writer-worker'), {
      workerData,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    this.#worker.on('message', (reply: WriterReply) => {
      this.#onReply(reply);
    });
    this.#worker.on('error', (error: Error) => {
      this.#fail(
        new AevError('E_INTERNAL', `the bundle writer thread failed: ${error.message}`, { file }, { cause: error }),
      );
    });
    this.#worker.once('exit', (code) => {
      if (!this.#closed)
        this.#fail(
          new AevError('E_INTERNAL', `the bundle writer thread stopped early (exit code ${String(code)})`, { file }),
        );
    });
  }

  /** Resolves once `data` is copied; it may be reused at once. Rejects after any failure. */
  async write(data: Uint8Array): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    let off = 0;
    while (off < data.length) {
      const block = this.#block ?? (await this.#take());
      const n = Math.min(BLOCK_BYTES - this.#fill, data.length - off);
      block.bytes.set(data.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
      if (this.#fill === BLOCK_BYTES) this.#send();
    }
  }

  /** Sends what is buffered, lets the writer seal the end, and waits until the file is fsync'd. */
  async close(): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (this.#fill > 0) this.#send();
    this.#closing = Promise.withResolvers<undefined>();
    this.#worker.postMessage({ type: 'finish' } satisfies WriterRequest);
    try {
      await this.#closing.promise;
    } finally {
      await this.stop();
    }
  }

  /** Stops the thread (a write it is in finishes first); the descriptor is then the caller's alone. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#fail(new AevError('E_INTERNAL', 'the bundle writer is closed'));
    await this.#worker.terminate();
  }

  #send(): void {
    const block = this.#block;
    if (block === null) return;
    const length = this.#fill;
    this.#block = null;
    this.#fill = 0;
    this.#worker.postMessage({ type: 'block', block: block.n, length } satisfies WriterRequest);
  }

  async #take(): Promise<{ readonly n: number; readonly bytes: Uint8Array }> {
    for (;;) {
      if (this.#failure !== null) throw this.#failure;
      const n = this.#free.pop();
      if (n !== undefined) {
        this.#block = { n, bytes: new Uint8Array(this.#blocks, n * BLOCK_BYTES, BLOCK_BYTES) };
        return this.#block;
      }
      this.#waiting = Promise.withResolvers<undefined>();
      await this.#waiting.promise;
    }
  }

  #onReply(reply: WriterReply): void {
    switch (reply.type) {
      case 'free':
        this.#free.push(reply.block);
        this.#waiting?.resolve(undefined);
        this.#waiting = null;
        return;
      case 'closed':
        this.#closing?.resolve(undefined);
        return;
      case 'failed': {
        const cause = Object.assign(new Error(reply.message), reply.code === null ? {} : { code: reply.code });
        this.#fail(fsError(cause, 'write', this.#file));
        return;
      }
      default:
        assertNever(reply, 'writer reply');
    }
  }

  /** The first failure is kept and rejects whoever waits; later calls throw it. */
  #fail(error: AevError): void {
    this.#failure ??= error;
    this.#waiting?.reject(this.#failure);
    this.#waiting = null;
    this.#closing?.reject(this.#failure);
    this.#closing = null;
  }
}
