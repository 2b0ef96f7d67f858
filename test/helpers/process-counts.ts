// This process's open descriptors and threads (Linux /proc; each test file runs in a process of its own),
// for tests that an operation leaves neither behind.
import fs from 'node:fs';

export interface ProcessCounts {
  readonly fds: number;
  readonly threads: number;
}

export function processCounts(): ProcessCounts {
  return { fds: fs.readdirSync('/proc/self/fd').length, threads: fs.readdirSync('/proc/self/task').length };
}

/**
 * The thread count once no thread has started or ended for 300 ms: a thread of the runner's or of an
 * earlier test may still be ending (once, a count taken at the start of a test dropped by one during it).
 */
export async function settledThreads(): Promise<number> {
  let count = processCounts().threads;
  let since = Date.now();
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = processCounts().threads;
    if (now !== count) [count, since] = [now, Date.now()];
    else if (Date.now() - since >= 300) return count;
  }
  throw new Error(`the thread count did not settle (${String(count)})`);
}
