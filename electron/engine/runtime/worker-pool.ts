import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerBeside } from './worker-path.ts';

/** Rejection of a request whose worker died or was closed: the caller does the work itself instead. */
export class WorkerGone extends Error {}

interface Slot<Reply> {
  readonly worker: Worker;
  readonly pending: Map<number, PromiseWithResolvers<Reply>>;
}

/**
 * A few worker threads running one module (the vault's object workers, verification's event checks),
 * each request sent to the least busy one: one slow request (a big object, a stalled fsync) holds up
 * only its own worker. Requests carry an `id` that the reply repeats. A worker that fails is not used
 * again and its requests reject with WorkerGone. `close` sends each worker 'close' (it zeroes the keys
 * it was given and stops, after the requests it already has). Workers keep the process alive only while
 * they have work.
 */
export class WorkerPool<Request extends { readonly id: number }, Reply extends { readonly id: number }> {
  readonly #slots: Slot<Reply>[] = [];
  #nextId = 0;
  #busy = 0;

  /** Runs worker `name`, the module beside the caller's (`moduleUrl`: its import.meta.url), `count` times. */
  constructor(moduleUrl: string, name: string, workerData: unknown, count: number) {
    const file = workerBeside(moduleUrl, name);
    for (let i = 0; i < count; i++) {
      const slot: Slot<Reply> = { worker: new Worker(file, { workerData }), pending: new Map() };
      slot.worker.unref();
      slot.worker.on('message', (reply: Reply) => {
        this.#settle(slot, reply.id)?.resolve(reply);
      });
      const fail = (error: Error): void => {
        const at = this.#slots.indexOf(slot);
        if (at >= 0) this.#slots.splice(at, 1);
        for (const id of [...slot.pending.keys()]) this.#settle(slot, id)?.reject(new WorkerGone(error.message));
      };
      slot.worker.on('error', fail);
      slot.worker.once('exit', (code) => {
        fail(new Error(`a worker thread exited with code ${String(code)}`));
      });
      this.#slots.push(slot);
    }
  }

  /** False once every worker has failed or the pool is closed. */
  get usable(): boolean {
    return this.#slots.length > 0;
  }

  send(make: (id: number) => Request): Promise<Reply> {
    let slot: Slot<Reply> | undefined;
    for (const s of this.#slots) if (slot === undefined || s.pending.size < slot.pending.size) slot = s;
    if (slot === undefined) return Promise.reject(new WorkerGone('no worker thread is running'));
    const id = this.#nextId++;
    const waiter = Promise.withResolvers<Reply>();
    slot.pending.set(id, waiter);
    if (this.#busy++ === 0) for (const s of this.#slots) s.worker.ref();
    slot.worker.postMessage(make(id));
    return waiter.promise;
  }

  close(): void {
    for (const slot of this.#slots.splice(0)) slot.worker.postMessage('close');
  }

  #settle(slot: Slot<Reply>, id: number): PromiseWithResolvers<Reply> | undefined {
    const waiter = slot.pending.get(id);
    if (waiter === undefined) return undefined;
    slot.pending.delete(id);
    if (--this.#busy === 0) for (const s of this.#slots) s.worker.unref();
    return waiter;
  }
}

/** One worker per core, at most four: beyond that the disk, not the CPU, sets the pace here. */
export function workerThreadCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}
