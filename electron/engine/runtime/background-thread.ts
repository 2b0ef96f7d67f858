import fs from 'node:fs';
import os from 'node:os';

/** The nice value a background thread takes: behind the threads on an operation's critical path. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's scheduling priority (Linux: setpriority(2) on a thread id affects that
 * thread alone; the id is the last part of /proc/thread-self). For work that is needed only at the end of
 * an operation and would otherwise take a core from the threads the operation waits on (the exporter's
 * token checks run while the vault reader, the writer and the engine thread keep both cores of a small
 * machine busy; at a lower priority they use the moments those threads wait). Best effort: elsewhere, or
 * where it is refused, the thread keeps its priority. Returns whether it took effect.
 */
export function runInBackground(): boolean {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, BACKGROUND_NICE);
    return true;
  } catch {
    return false;
  }
}
