import type { ErrorCode } from '../../common/errors.ts';
import { WorkerPool, workerThreadCount } from '../runtime/worker-pool.ts';

export interface ObjectWorkerData {
  readonly vaultId: string;
  readonly key: Uint8Array;
}

interface RequestBase {
  readonly id: number;
  readonly file: string;
  readonly kind: string;
  readonly objectId: string;
}

export type ObjectWorkerRequest =
  | (RequestBase & { readonly op: 'put'; readonly data: SharedArrayBuffer; readonly length: number })
  | (RequestBase & { readonly op: 'digest' });

export type ObjectWorkerReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly size: number;
      readonly storedSize: number;
      readonly sha256: string;
    }
  | {
      readonly id: number;
      readonly ok: false;
      /** The AevError code the worker threw, or null for a bare system error (then `errno`). */
      readonly code: ErrorCode | null;
      readonly errno: string | null;
      readonly message: string;
    };

/**
 * Seals and digests vault objects in worker threads (object-worker.ts), so that bulk sealing and
 * verification use the machine's other cores: AES-256-GCM and SHA-256 of a 1 MiB screen fragment are
 * ~1.5 ms of CPU, and every 64 KiB segment's fresh output buffer is garbage the thread that made it
 * collects. Objects are independent, so N of them go to N workers at once (one per core, up to four).
 * A worker writes an object durably itself (temp file, fdatasync, rename, folder fsync) and answers only
 * then, so a caller that waits for `put` has what it had before: a durable object (invariant I7).
 *
 * The workers hold a copy of the objects subkey; `close` has them zero it. A worker that fails is not
 * used again; its requests reject with WorkerGone and the store does them on its own thread.
 */
export class ObjectWorkers {
  readonly #pool: WorkerPool<ObjectWorkerRequest, ObjectWorkerReply>;
  readonly #shared = new SharedBuffers();

  constructor(vaultId: string, key: Buffer, count = workerThreadCount()) {
    const workerData: ObjectWorkerData = { vaultId, key: new Uint8Array(key) };
    this.#pool = new WorkerPool(import.meta.url, 'object-worker', workerData, count);
  }

  /** False once every worker has failed or the pool is closed. */
  get usable(): boolean {
    return this.#pool.usable;
  }

  /** Seals `data` and writes it durably to `file`; the caller keeps `data` (the worker reads a copy). */
  async put(file: string, kind: string, objectId: string, data: Buffer): Promise<ObjectWorkerReply> {
    const shared = this.#shared.take(data.length);
    Buffer.from(shared, 0, data.length).set(data);
    try {
      return await this.#pool.send((id) => ({
        id,
        op: 'put',
        file,
        kind,
        objectId,
        data: shared,
        length: data.length,
      }));
    } finally {
      this.#shared.give(shared);
    }
  }

  /** The plaintext length and SHA-256 of the object in `file`, decrypted and hashed by a worker. */
  digest(file: string, kind: string, objectId: string): Promise<ObjectWorkerReply> {
    return this.#pool.send((id) => ({ id, op: 'digest', file, kind, objectId }));
  }

  /** Has each worker zero its key and stop, after the requests it already has. */
  close(): void {
    this.#pool.close();
  }
}

/**
 * Shared memory that carries plaintext to the workers, reused from one object to the next: a fresh
 * 1 MiB buffer per object cost more than sealing it (its pages are faulted in and zeroed on every use,
 * and freed by whichever thread collects it). A buffer goes back once its worker has answered; only
 * buffers of the common sizes (up to 4 MiB, rounded up to a power of two) are kept, a few of each.
 */
class SharedBuffers {
  readonly #spare = new Map<number, SharedArrayBuffer[]>();

  take(bytes: number): SharedArrayBuffer {
    const size = Math.max(MIN_SHARED_BYTES, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
    return this.#spare.get(size)?.pop() ?? new SharedArrayBuffer(size);
  }

  give(buffer: SharedArrayBuffer): void {
    if (buffer.byteLength > MAX_SHARED_BYTES) return;
    const spare = this.#spare.get(buffer.byteLength) ?? [];
    if (spare.length < SPARE_SHARED_BUFFERS) spare.push(buffer);
    this.#spare.set(buffer.byteLength, spare);
  }
}

const MIN_SHARED_BYTES = 64 * 1024;
const MAX_SHARED_BYTES = 4 * 1024 * 1024;
/** Per size: enough for every put MediaStore keeps in flight, and one more. */
const SPARE_SHARED_BUFFERS = 6;
