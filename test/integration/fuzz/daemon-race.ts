import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import type { RawClient } from '../../helpers/raw-client.ts';

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
