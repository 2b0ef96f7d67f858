import type { IPty } from '@lydell/node-pty';
import { AevError } from '../../electron/common/errors.ts';
import type { CastEvent } from './asciicast.ts';
import { CastRecorder, systemCastClock } from './cast-recorder.ts';
import type { CastClock } from './cast-recorder.ts';
import { enterRawMode } from './terminal-mode.ts';
import type { RawModeCapable } from './terminal-mode.ts';

/** process.stdin or anything shaped like it (a PassThrough in tests). */
export interface PtyInput extends RawModeCapable, NodeJS.EventEmitter {
  resume(): unknown;
  pause(): unknown;
}

/** process.stdout or anything shaped like it; a TTY has columns/rows and emits 'resize' on SIGWINCH. */
export interface PtyOutput extends NodeJS.EventEmitter {
  readonly columns?: number;
  readonly rows?: number;
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
}

export interface RunInPtyOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Defaults to the size of `stdout` when it is a terminal, else 80x24. */
  readonly cols?: number;
  readonly rows?: number;
  /** Off by default (DESIGN.md §4): keystrokes can hold passwords and tokens. */
  readonly recordInput?: boolean;
  readonly title?: string;
  readonly onEvent: (event: CastEvent) => void;
  readonly stdin: PtyInput;
  readonly stdout: PtyOutput;
  readonly clock?: CastClock;
}

export interface PtyExit {
  readonly exitCode: number;
  /** The signal number that ended the child, when one did. */
  readonly signal?: number;
  /** The first error thrown by `onEvent`; recording stopped there but the child ran on undisturbed. */
  readonly recordingError?: Error;
}

const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const FLUSH_TIMEOUT_MS = 5_000;

/** The process exit status a wrapper should use to look like the child: 128+N for a child killed by signal N. */
export function exitStatusOf(exit: PtyExit): number {
  return exit.signal === undefined ? exit.exitCode : 128 + exit.signal;
}

/**
 * Runs `command` in a pseudo-terminal between `stdin` and `stdout`, passing input, output and resizes
 * through untouched, and reports the session as asciicast v2 events (DESIGN.md §4). Resolves when the
 * child exits, after its last output is written; the terminal mode is restored on every path.
 */
export async function runInPty(options: RunInPtyOptions): Promise<PtyExit> {
  const { spawn } = await import('@lydell/node-pty');
  const cols = options.cols ?? sizeOr(options.stdout.columns, DEFAULT_COLS);
  const rows = options.rows ?? sizeOr(options.stdout.rows, DEFAULT_ROWS);
  const term = options.env.TERM ?? 'xterm-256color';
  let recordingError: Error | undefined;
  const recorder = new CastRecorder({
    width: cols,
    height: rows,
    env: { SHELL: options.env.SHELL, TERM: term },
    title: options.title,
    recordInput: options.recordInput ?? false,
    clock: options.clock ?? systemCastClock,
    onEvent: (event) => {
      if (recordingError !== undefined) return;
      try {
        options.onEvent(event);
      } catch (error) {
        recordingError = error instanceof Error ? error : new Error(String(error));
      }
    },
  });
  let child: IPty;
  try {
    // encoding null: node-pty hands us the child's bytes as Buffers, so nothing is decoded on the way out.
    child = spawn(options.command, [...options.args], {
      name: term,
      cols,
      rows,
      cwd: options.cwd,
      env: definedOnly(options.env),
      encoding: null,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AevError('E_IO', `cannot start ${options.command} in a pseudo-terminal: ${message}`, {
      command: options.command,
    });
  }
  recorder.start();
  const exit = await pump(child, options, recorder);
  return {
    exitCode: exit.exitCode,
    ...(exit.signal ? { signal: exit.signal } : {}),
    ...(recordingError === undefined ? {} : { recordingError }),
  };
}

/** Wires the terminal to the child until it exits; every listener added here is removed before resolving. */
function pump(
  child: IPty,
  options: RunInPtyOptions,
  recorder: CastRecorder,
): Promise<{ exitCode: number; signal?: number }> {
  const { stdin, stdout } = options;
  let restoreMode = (): void => undefined;
  let outputOpen = true;
  let waitingForDrain = false;

  const onDrain = (): void => {
    waitingForDrain = false;
    child.resume();
  };
  const onOutputError = (): void => {
    // The terminal is gone (EIO after a hang-up, EPIPE): keep recording, never block the child on it.
    outputOpen = false;
    if (waitingForDrain) onDrain();
  };
  const onInputError = (): void => {
    // EIO from a terminal that hung up: no more input can come, the child runs on until it exits.
    stdin.off('data', onInput);
  };
  const onInput = (chunk: Buffer | string): void => {
    const bytes = toBytes(chunk);
    // node-pty types write() as string but passes a Buffer to the PTY as is: input bytes stay untouched.
    child.write(bytes as unknown as string);
    recorder.input(bytes);
  };
  const onResize = (): void => {
    const cols = stdout.columns;
    const rows = stdout.rows;
    if (!isSize(cols) || !isSize(rows) || (cols === child.cols && rows === child.rows)) return;
    try {
      child.resize(cols, rows);
    } catch {
      return; // the child has just exited; its last size stands
    }
    recorder.resize(cols, rows);
  };
  // In raw mode Ctrl-C is only a byte for the child; a signal sent to us (kill, hang-up, a non-raw
  // terminal) is passed on, because the child sits in a session of its own and would not otherwise see it.
  const forwarders = FORWARDED_SIGNALS.map((signal) => {
    const forward = (): void => {
      try {
        if (process.platform === 'win32') child.kill();
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    process.on(signal, forward);
    return { signal, forward };
  });
  const detach = (): void => {
    for (const { signal, forward } of forwarders) process.off(signal, forward);
    stdin.off('data', onInput);
    stdin.off('error', onInputError);
    stdin.pause();
    stdout.off('resize', onResize);
    stdout.off('drain', onDrain);
    stdout.off('error', onOutputError);
    restoreMode();
  };

  return new Promise((resolve, reject) => {
    try {
      restoreMode = enterRawMode(stdin);
      stdout.on('error', onOutputError);
      stdout.on('resize', onResize);
      child.onData((data) => {
        const bytes = toBytes(data);
        if (outputOpen && !stdout.write(bytes) && !waitingForDrain) {
          waitingForDrain = true;
          child.pause();
          stdout.once('drain', onDrain);
        }
        recorder.output(bytes);
      });
      child.onExit(({ exitCode, signal }) => {
        detach();
        recorder.finish();
        const done = outputOpen ? flush(stdout) : Promise.resolve();
        void done.then(() => {
          resolve(signal ? { exitCode, signal } : { exitCode });
        });
      });
      stdin.on('error', onInputError);
      stdin.on('data', onInput);
      stdin.resume();
    } catch (error) {
      detach();
      child.kill();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** Resolves once everything written before has left the stream (or it failed, or time ran out). */
function flush(stdout: PtyOutput): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    try {
      stdout.write(new Uint8Array(0), done);
    } catch {
      done();
    }
  });
}

function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

function isSize(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value > 0;
}

function sizeOr(value: number | undefined, fallback: number): number {
  return isSize(value) ? value : fallback;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
