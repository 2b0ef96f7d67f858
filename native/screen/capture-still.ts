import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { decodeFrames } from './still-frames.ts';
import { stillVerdict } from './still-verdict.ts';
import type { StillResult } from './still-verdict.ts';

export type { StillFailureCode, StillResult } from './still-verdict.ts';

export interface CaptureStillOptions {
  /** X display for the worker (for example ":1"); defaults to the DISPLAY of `env`. Ignored off X11. */
  readonly display?: string;
  /** The worker is killed after this long; a grab on a stalled display server can block forever. */
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
}

// A still of an 8K screen is about 100 MB as PNG at worst; anything beyond this is not a still.
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
const STDERR_TAIL_BYTES = 4096;

/**
 * Takes a full-resolution still and the focused window's title (DESIGN.md §4) in a child process of its
 * own: nut-js can abort the process it runs in, so a crash, an abort or a hang of the grab becomes a coded
 * result here, never an exception. The PNG stays in memory (the engine encrypts it, invariant I1).
 */
export function captureStill(options: CaptureStillOptions): Promise<StillResult> {
  const platform = options.platform ?? process.platform;
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  if (options.display !== undefined) env.DISPLAY = options.display;
  if (usesX11(platform) && (env.DISPLAY ?? '') === '') {
    return Promise.resolve({
      ok: false,
      code: 'STILL_UNAVAILABLE',
      message: 'no X display: DISPLAY is not set (a Wayland-only session has no still source here)',
    });
  }
  // Inside the desktop app process.execPath is Electron, which runs the script as plain Node with this.
  env.ELECTRON_RUN_AS_NODE = '1';
  return runWorker(env, options.timeoutMs);
}

function runWorker(env: Record<string, string | undefined>, timeoutMs: number): Promise<StillResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: StillResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(process.execPath, [workerPath()], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      resolve({ ok: false, code: 'STILL_UNAVAILABLE', message: `cannot start the still worker: ${message}` });
      return;
    }
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = '';
    let timedOut = false;
    let oversized = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_OUTPUT_BYTES) {
        oversized = true;
        child.kill('SIGKILL');
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (error) => {
      settle({ ok: false, code: 'STILL_UNAVAILABLE', message: `cannot start the still worker: ${error.message}` });
    });
    // 'close' comes after the exit and after stdout has been read to its end.
    child.on('close', (exitCode, signal) => {
      settle(
        stillVerdict({
          frames: decodeFrames(Buffer.concat(stdout)),
          exitCode,
          signal,
          timedOut,
          oversized,
          stderrTail,
          timeoutMs,
        }),
      );
    });
  });
}

/** The worker beside this module: still-worker.ts when running from source, still-worker.js from dist/. */
function workerPath(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./still-worker${extension}`, import.meta.url));
}

/** Platforms where nut-js grabs through Xlib (everything but macOS and Windows). */
function usesX11(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin' && platform !== 'win32';
}
