import type { Readable } from 'node:stream';

// With NODE_OPTIONS=--trace-gc, V8 prints a line per collection on the process's stdout, e.g.
//   [4711:0x2a3f000]   123456 ms: Mark-Compact 52.1 (60.3) -> 48.7 (59.8) MB, pooled: 0 MB, …
// The figure after "->" of a full (mark-compact) collection is the heap still alive after it: the
// leak signal, which RSS alone cannot give (RSS also holds pages V8 and malloc keep for reuse). Each
// isolate (the main thread and every worker) has its own address in the brackets.
const MARK_COMPACT =
  /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/;

export interface GcTrace {
  /** Live JS heap in MiB after the latest full collection, summed over isolates; null before any. */
  liveMiB(): number | null;
  /** Full collections seen so far. */
  fullCollections(): number;
}

/** Follows a child's --trace-gc lines on `stdout` (which must be a pipe the caller also reads). */
export function followGcTrace(stdout: Readable): GcTrace {
  const live = new Map<string, number>();
  let collections = 0;
  let partial = '';
  stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = MARK_COMPACT.exec(line);
      if (m === null) continue;
      live.set(m[1] ?? '', Number(m[2]));
      collections++;
    }
  });
  return {
    liveMiB: () => (live.size === 0 ? null : [...live.values()].reduce((a, b) => a + b, 0)),
    fullCollections: () => collections,
  };
}
