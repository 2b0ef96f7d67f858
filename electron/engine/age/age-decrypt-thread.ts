import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { AevError, isErrorCode } from '../../common/errors.ts';
import { CHUNK_BYTES } from './age-stream.ts';
import { workerBeside } from '../runtime/worker-path.ts';

/** Plaintext travels from the worker in slabs of this many whole age chunks (1 MiB): few messages. */
export const SLAB_BYTES = 16 * CHUNK_BYTES;
/** Slabs the worker may have sent that the reader has not asked for yet: how far decryption runs ahead. */
const SLABS_AHEAD = 8;
/** How long a cancelled worker has to stop by itself before it is terminated. */
const STOP_MS = 5000;

/** Indices into the Int32Array over `control`. */
export const CONSUMED = 0;
export const CANCELLED = 1;
/** Set by the worker once it has loaded and can start. */
export const READY = 2;
/** The chunk the worker starts at; -1 until the calling thread hands the payload over. */
export const START = 3;

export interface DecryptWorkerData {
  /** The age file's descriptor, opened and closed by the calling thread. */
  readonly fd: number;
  /** Where the payload's first sealed chunk starts. */
  readonly offset: number;
  readonly payloadKey: KeyObject;
  /** Int32 [CONSUMED, CANCELLED, READY, START]. */
  readonly control: SharedArrayBuffer;
  readonly slabsAhead: number;
  /** Where the reader gives slabs back (ArrayBuffers of SLAB_BYTES), to be filled again. */
  readonly spare: MessagePort;
}

export type DecryptReply =
  /** `length` bytes of plaintext, every chunk of them authenticated. */
  | { readonly type: 'slab'; readonly slab: ArrayBuffer; readonly length: number }
  /** The payload ended where it should: nothing follows. */
  | { readonly type: 'end' }
  /** Nothing follows; `code` is the AevError code when there is one (E_AGE_AUTH, E_AGE_FORMAT). */
  | { readonly type: 'failed'; readonly code: string | null; readonly message: string };

/**
 * The worker thread that decrypts an age payload (age-decrypt-worker.ts), seen from the calling thread.
 * It starts loading at once but decrypts only from the chunk `startAt` names, so the caller can decrypt
 * the first chunks itself meanwhile (a worker takes a few hundred ms to load). `stop` always leaves it
 * exited; the descriptor is the caller's to close after that, so the worker never reads a closed one.
 */
export class DecryptThread {
  readonly #worker: Worker;
  readonly #counters: Int32Array;
  readonly #replies: DecryptReply[] = [];
  readonly #exit: Promise<void>;
  #stopped: Error | null = null;
  #exited = false;
  #wake: (() => void) | null = null;

  constructor(fd: number, offset: number, payloadKey: KeyObject, spare: MessagePort) {
    const control = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    this.#counters = new Int32Array(control);
    Atomics.store(this.#counters, START, -1);
    const workerData: DecryptWorkerData = { fd, offset, payloadKey, control, slabsAhead: SLABS_AHEAD, spare };
    this.#worker = new Worker(workerBeside(import.meta.url, 'age-decrypt-worker'), {
      workerData,
      transferList: [spare],
    });
    this.#exit = new Promise<void>((resolve) => {
      this.#worker.once('exit', (code) => {
        this.#exited = true;
        this.#stopped ??= new AevError(
          'E_INTERNAL',
          `the age decryption thread stopped early (exit code ${String(code)})`,
        );
        this.#notify();
        resolve();
      });
    });
    this.#worker.on('message', (reply: DecryptReply) => {
      this.#replies.push(reply);
      this.#notify();
    });
    this.#worker.on('error', (error: Error) => {
      this.#stopped = new AevError('E_INTERNAL', `the age decryption thread failed: ${error.message}`, undefined, {
        cause: error,
      });
      this.#notify();
    });
  }

  /** The worker has loaded and waits for `startAt`. */
  get ready(): boolean {
    return Atomics.load(this.#counters, READY) === 1;
  }

  /** Resolves true once the worker has loaded, false if it stopped before (it could not load). */
  async whenReady(): Promise<boolean> {
    const loaded = Atomics.waitAsync(this.#counters, READY, 0);
    if (loaded.async) await Promise.race([loaded.value, this.#exit]);
    return this.ready && !this.#exited;
  }

  /** Lets the worker decrypt from chunk `chunk` on (the caller opened every chunk before it). */
  startAt(chunk: number): void {
    Atomics.store(this.#counters, START, chunk);
    Atomics.notify(this.#counters, START);
  }

  /** The decrypted slabs in order, until the payload's end; the worker's failure is thrown as it came. */
  async *slabs(): AsyncGenerator<Buffer> {
    for (;;) {
      const reply = this.#replies.shift();
      if (reply === undefined) {
        if (this.#stopped !== null) throw this.#stopped;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      if (reply.type === 'end') return;
      if (reply.type === 'failed')
        throw isErrorCode(reply.code) ? new AevError(reply.code, reply.message) : new Error(reply.message);
      // Counted when handed on: the worker may then decrypt one slab more.
      Atomics.add(this.#counters, CONSUMED, 1);
      Atomics.notify(this.#counters, CONSUMED);
      yield Buffer.from(reply.slab, 0, reply.length);
    }
  }

  /** Asks the worker to stop (it looks between chunks and while it waits) and waits until it has exited. */
  async stop(): Promise<void> {
    Atomics.store(this.#counters, CANCELLED, 1);
    Atomics.notify(this.#counters, CONSUMED);
    Atomics.notify(this.#counters, START);
    if (this.#exited) return;
    // A worker that does not stop within a wait of its own is terminated (a backstop, never seen).
    const backstop = setTimeout(() => void this.#worker.terminate(), STOP_MS);
    await this.#exit;
    clearTimeout(backstop);
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = null;
  }
}
