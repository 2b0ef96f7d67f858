import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { startDaemon } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import type { RawClient } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/**
 * For a describe block of crash reproductions: `start(name)` runs a real daemon on a fresh data root;
 * each is stopped after its test unless the hostile input already killed it, and the folder goes after all.
 */
export function fuzzDaemons(): { start(name: string): Promise<DaemonProcess> } {
  const tmp = makeTempDir('aev-fuzz-repro-');
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon?.child.exitCode === null) await daemon.stop();
  });
  afterAll(() => {
    tmp.cleanup();
  });
  return {
    async start(name) {
      daemon = await startDaemon(path.join(tmp.dir, name));
      return daemon;
    },
  };
}

/** Nesting deeper than V8's recursive JSON.stringify can walk (it overflows near 8,000 levels). */
export function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/**
 * The answer matching `pred`, or a failure that says the daemon died (with its stderr) when it
 * exits first: a crash should read as a crash, not as a timeout.
 */
export async function answerOrCrash(
  daemon: DaemonProcess,
  client: RawClient,
  pred: (f: Record<string, unknown>) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const crashed = daemon.exited.then((code): never => {
    throw new Error(`the daemon exited (code ${String(code)}) instead of answering:\n${daemon.stderr().slice(-1500)}`);
  });
  return Promise.race([client.waitFor(pred, timeoutMs), crashed]);
}
