import v8 from 'node:v8';

let engineEnabled = false;

/**
 * Compiles a user's pattern for V8's linear-time regexp engine (the `l` flag): matching then costs time
 * proportional to the text, whatever the pattern, so no settings.json entry can stall the engine (a
 * backtracking regex like `(a+)+b` over a 1 MiB tool output would block every agent's hook).
 *
 * The engine is behind a V8 flag. Node documents setting V8 flags after start-up as unsupported in
 * general; this one only makes the parser accept `l`, and the tests exercise it on the Node we ship.
 * Its limits are the price of the guarantee: no backreferences, lookarounds, `i`/`u` flags or counted
 * repetitions above 16, and it scans at roughly 10 MB/s (docs/redaction.md).
 *
 * Throws a SyntaxError whose message says what is wrong.
 */
export function compileLinear(source: string, flags: string): RegExp {
  if (!engineEnabled) {
    v8.setFlagsFromString('--enable-experimental-regexp-engine');
    engineEnabled = true;
  }
  return new RegExp(source, `${flags}gl`);
}

/** A one-line reason for a pattern the linear engine refuses, without V8's echo of the pattern. */
export function linearCompileProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('Invalid flags') && message.includes("'l'"))
    return 'this Node has no linear-time regexp engine (V8 flag --enable-experimental-regexp-engine)';
  if (message.includes('linear time'))
    return 'cannot run in linear time: backreferences, lookarounds (?= (?! (?<= (?<!, the i and u flags and counted repetitions above 16 ({17}, {1,30}) are not available; write [Pp]assword for case, split long counts or use + and *';
  const reason = /: ([^:]+)$/.exec(message)?.[1];
  return `invalid regular expression: ${reason ?? message}`;
}
