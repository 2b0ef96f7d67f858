import type { Readable, Writable } from 'node:stream';

/** What a CLI command may touch of the outside world: injected so tests can drive commands in-process. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
