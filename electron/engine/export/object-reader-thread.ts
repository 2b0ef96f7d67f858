import { Worker } from 'node:worker_threads';
import { AevError, assertNever, isErrorCode } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { fsError } from '../vault/durable-file.ts';
import type { ObjectKind } from '../vault/object-store.ts';
import type { Vault } from '../vault/vault.ts';
import type { StreamedContent } from './ustar-writer.ts';
import { workerBeside } from '../runtime/worker-path.ts';

/** A slot holds one object's plaintext (a larger one comes back whole, transferred). */
const SLOT_BYTES = 1024 * 1024;
/** Objects read ahead through this thread, asked for READER_GROUP at a time (one message each way). */
export const READER_AHEAD = 24;
export const READER_GROUP = 8;
/** The items read ahead, the one being archived, and one spare: reads never wait for a slot. */
const SLOTS = READER_AHEAD + 2;
/** Small, as for the writer thread: the reader's garbage is 64 KiB buffers that should be freed warm. */
const YOUNG_GENERATION_MB = 1;

export interface ReaderWorkerData {
  readonly vaultDir: string;
  readonly vaultId: string;
  /** A copy of the vault's objects subkey; the worker zeroes it when asked to close. */
  readonly key: Uint8Array;
  readonly slots: SharedArrayBuffer;
  readonly slotBytes: number;
}

export interface ReadRequest {
  readonly id: number;
  readonly slot: number;
  readonly kind: ObjectKind;
  readonly objectId: string;
}

/** Reads asked for together travel in one message each way (a message costs two thread wake-ups). */
export type ReaderRequest =
  { readonly type: 'reads'; readonly reads: readonly ReadRequest[] } | { readonly type: 'close' };

export type ReaderReply =
  { readonly type: 'reads'; readonly replies: readonly ReadReply[] } | { readonly type: 'closed' };

export type ReadReply =
  /** The plaintext is in the request's slot, or (larger than a slot) in `whole`. */
  | {
      readonly type: 'read';
      readonly id: number;
      readonly size: number;
      readonly sha256: string;
      readonly whole: ArrayBuffer | null;
    }
  | {
      readonly type: 'failed';
      readonly id: number;
      /** The AevError code the vault threw, or null for a bare system error (then `errno`). */
      readonly code: ErrorCode | null;
      readonly errno: string | null;
      readonly message: string;
      readonly context: Readonly<Record<string, unknown>> | undefined;
    };

/** An object's authenticated plaintext and its hex SHA-256; valid until `release`. */
export interface ReadObject {
  readonly content: StreamedContent;
  readonly sha256: string;
  /** Gives the slot back: `content` must not be used after (whoever keeps bytes copies them first). */
  readonly release: () => void;
}

interface Pending {
  readonly slot: number;
  readonly file: string;
  readonly waiter: PromiseWithResolvers<ReadObject>;
}

/**
 * Reads, decrypts (AES-256-GCM, vault/object-format.ts) and hashes vault objects on a worker thread, with
 * the vault's own ObjectStore, for the export. On the engine thread those reads were the largest part of
 * its time, and their fresh 64 KiB buffers (ciphertext read, plaintext per segment) the garbage that made
 * most of its collections: ~1.4 GB for an hour's media, each 64 MB of it costing a full collection of the
 * engine's large heap. In the reader they are collected by cheap scavenges of a tiny heap, and the
 * plaintext reaches the engine thread in reused shared slots, so reading allocates nothing there. The
 * check against the seal stays with the caller (it compares the digest); a read fails with the very code
 * and message the vault would have thrown (E_OBJECT_MISSING, E_OBJECT_CORRUPT, E_IO…), and a failure
 * of the thread itself with E_INTERNAL.
 */
export class ObjectReaderThread {
  readonly #worker: Worker;
  readonly #store: Vault['objects'];
  readonly #slots = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  readonly #free: number[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #outbox: ReadRequest[] = [];
  #slotWaiter: PromiseWithResolvers<undefined> | null = null;
  #closing: PromiseWithResolvers<undefined> | null = null;
  #nextId = 0;
  #stopped = false;
  #failure: AevError | null = null;

  constructor(vault: Vault, vaultDir: string) {
    this.#store = vault.objects;
    for (let i = SLOTS - 1; i >= 0; i--) this.#free.push(i);
    const workerData: ReaderWorkerData = {
      vaultDir,
      vaultId: vault.id,
      key: new Uint8Array(vault.subkey('objects')),
      slots: this.#slots,
      slotBytes: SLOT_BYTES,
    };
    this.#worker = new Worker(workerBeside(import.meta.url, 'object-reader-worker'), {
      workerData,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    workerData.key.fill(0);
    this.#worker.on('message', (reply: ReaderReply) => {
      this.#onReply(reply);
    });
    this.#worker.on('error', (error: Error) => {
      this.#fail(new AevError('E_INTERNAL', `the export's vault reader thread failed: ${error.message}`));
    });
    this.#worker.once('exit', (code) => {
      if (!this.#stopped)
        this.#fail(new AevError('E_INTERNAL', `the export's vault reader thread stopped early (exit ${String(code)})`));
    });
  }

  /** The object's plaintext and digest, read on the thread. */
  async read(kind: ObjectKind, objectId: string): Promise<ReadObject> {
    const file = this.#store.pathOf(kind, objectId); // validates kind and id here, as the vault would
    let slot = this.#free.pop();
    while (slot === undefined) {
      if (this.#failure !== null) throw this.#failure;
      this.#slotWaiter ??= Promise.withResolvers<undefined>();
      await this.#slotWaiter.promise;
      slot = this.#free.pop();
    }
    if (this.#failure !== null) {
      this.#free.push(slot);
      throw this.#failure;
    }
    const id = this.#nextId++;
    const waiter = Promise.withResolvers<ReadObject>();
    this.#pending.set(id, { slot, file, waiter });
    // Reads asked for together (one synchronous run of the caller, such as readAhead's top-up) go to the
    // thread in one message, sent as soon as that run ends rather than at the end of the event loop's turn:
    // while items are ready the exporter archives them all in one turn (its awaits settle as microtasks).
    this.#outbox.push({ id, slot, kind, objectId });
    if (this.#outbox.length === 1)
      queueMicrotask(() => {
        this.#flush();
      });
    return waiter.promise;
  }

  #flush(): void {
    const reads = this.#outbox.splice(0);
    if (reads.length > 0 && !this.#stopped) this.#worker.postMessage({ type: 'reads', reads } satisfies ReaderRequest);
  }

  /** Has the thread zero its key copy, then stops it; reads still pending reject. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    if (this.#failure === null) {
      this.#closing = Promise.withResolvers<undefined>();
      this.#worker.postMessage({ type: 'close' } satisfies ReaderRequest);
      await this.#closing.promise.catch(() => undefined);
    }
    this.#stopped = true;
    this.#fail(new AevError('E_INTERNAL', "the export's vault reader is closed"));
    await this.#worker.terminate();
  }

  #onReply(reply: ReaderReply): void {
    if (reply.type === 'closed') this.#closing?.resolve(undefined);
    else for (const r of reply.replies) this.#onRead(r);
  }

  #onRead(reply: ReadReply): void {
    switch (reply.type) {
      case 'read': {
        const p = this.#take(reply.id);
        if (p === undefined) return;
        let bytes: Buffer;
        if (reply.whole === null) bytes = Buffer.from(this.#slots, p.slot * SLOT_BYTES, reply.size);
        else {
          bytes = Buffer.from(reply.whole);
          this.#release(p.slot);
        }
        let released = reply.whole !== null;
        p.waiter.resolve({
          content: { size: bytes.length, pieces: () => [bytes] },
          sha256: reply.sha256,
          release: () => {
            if (released) return;
            released = true;
            this.#release(p.slot);
          },
        });
        return;
      }
      case 'failed': {
        const p = this.#take(reply.id);
        if (p === undefined) return;
        this.#release(p.slot);
        p.waiter.reject(
          reply.code !== null && isErrorCode(reply.code)
            ? new AevError(reply.code, reply.message, reply.context)
            : fsError(Object.assign(new Error(reply.message), { code: reply.errno ?? undefined }), 'read', p.file),
        );
        return;
      }
      default:
        assertNever(reply, 'reader reply');
    }
  }

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    return p;
  }

  #release(slot: number): void {
    this.#free.push(slot);
    this.#slotWaiter?.resolve(undefined);
    this.#slotWaiter = null;
  }

  /** The first failure is kept; every pending read and waiting caller rejects with it. */
  #fail(error: AevError): void {
    this.#failure ??= error;
    for (const p of this.#pending.values()) p.waiter.reject(this.#failure);
    this.#pending.clear();
    this.#slotWaiter?.reject(this.#failure);
    this.#slotWaiter = null;
    this.#closing?.reject(this.#failure);
    this.#closing = null;
  }
}
