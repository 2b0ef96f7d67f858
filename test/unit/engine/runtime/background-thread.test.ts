import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE } from '../../../../electron/engine/runtime/background-thread.ts';

/** The nice value in a /proc stat line (proc(5): field 19). */
function niceIn(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const niceOf = (statPath: string): number => niceIn(fs.readFileSync(statPath, 'utf8'));

describe.skipIf(process.platform !== 'linux')('background threads', () => {
  it('lowers the priority of the calling thread only, not of the process', async () => {
    const moduleUrl = new URL('../../../../electron/engine/runtime/background-thread.ts', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      import(${JSON.stringify(moduleUrl)}).then((m) => {
        const before = fs.readFileSync('/proc/thread-self/stat', 'utf8');
        const took = m.runInBackground();
        const after = fs.readFileSync('/proc/thread-self/stat', 'utf8');
        parentPort.postMessage({ took, before, after });
      });`;
    const worker = new Worker(code, { eval: true });
    const reply = await new Promise<{ took: boolean; before: string; after: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply.took).toBe(true);
    expect(niceIn(reply.before)).toBeLessThan(BACKGROUND_NICE);
    expect(niceIn(reply.after)).toBe(BACKGROUND_NICE);
    // The thread that started it, and so the process, keeps its priority.
    expect(niceOf('/proc/thread-self/stat')).toBe(niceIn(reply.before));
    expect(niceOf('/proc/self/stat')).toBe(niceIn(reply.before));
  });
});
