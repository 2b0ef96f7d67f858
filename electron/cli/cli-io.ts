import type { Readable, Writable } from 'node:stream';

/** What a CLI command may touch of the outside world: injected so tests can drive commands in-process. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/**
 * The process's own streams, each made when first used: Node builds `process.stdin` (a pipe socket or a
 * file stream) only when it is read, and `aev hook` starts its connection to the engine before that.
 */
export function processIo(): CliIo {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
