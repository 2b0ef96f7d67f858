// WorkerPool (electron/engine/runtime/worker-pool.ts) when a worker thread dies: its requests reject with
// WorkerGone (the vault's object store and verification then do the work on their own thread), the others
// keep serving, and a pool with none left refuses at once. Real threads running dying-worker.ts.
import { describe, expect, it } from 'vitest';
import { WorkerGone, WorkerPool } from '../../../../electron/engine/runtime/worker-pool.ts';
import type { DyingReply, DyingRequest } from './dying-worker.ts';

const request = (op: DyingRequest['op']) => (id: number) => ({ id, op });

describe('WorkerPool', () => {
  it('rejects a dead worker’s requests with WorkerGone and sends the rest to the workers still running', async () => {
    const pool = new WorkerPool<DyingRequest, DyingReply>(import.meta.url, 'dying-worker', null, 2);
    try {
      // Least busy first: the hang goes to one worker, the crash to the other.
      const hung = pool.send(request('hang'));
      const died = pool.send(request('die'));
      await expect(died).rejects.toBeInstanceOf(WorkerGone);
      expect(pool.usable).toBe(true);
      const echoes = await Promise.all(Array.from({ length: 6 }, () => pool.send(request('echo'))));
      // Every later request went to the one worker left.
      expect(new Set(echoes.map((e) => e.threadId)).size).toBe(1);
      const last = pool.send(request('die'));
      await expect(last).rejects.toBeInstanceOf(WorkerGone);
      await expect(hung).rejects.toBeInstanceOf(WorkerGone);
      expect(pool.usable).toBe(false);
      await expect(pool.send(request('echo'))).rejects.toBeInstanceOf(WorkerGone);
    } finally {
      pool.close();
    }
  });
});
