/** The part of a TTY read stream (process.stdin) that raw mode needs. */
export interface RawModeCapable {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/**
 * Puts a terminal's input in raw mode so every key (Ctrl-C, Ctrl-Z, Ctrl-D included) reaches the child as
 * a byte, exactly as if the child owned the terminal. Returns an idempotent restore. The restore also runs
 * on process 'exit', which covers process.exit() and uncaught exceptions; signals are covered by the
 * runner's own handlers, and Node resets the TTY itself as a last resort on fatal signals. A terminal
 * left in raw mode is unusable for the person at it, so restoring is never skipped.
 */
export function enterRawMode(input: RawModeCapable): () => void {
  const setRawMode = input.setRawMode;
  if (input.isTTY !== true || setRawMode === undefined) return () => undefined;
  const wasRaw = input.isRaw === true;
  setRawMode.call(input, true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    try {
      setRawMode.call(input, wasRaw);
    } catch {
      // The terminal may already be gone (hang-up): there is nothing left to restore.
    }
  };
  process.once('exit', restore);
  return restore;
}
