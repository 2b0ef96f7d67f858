import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { ffmpegCandidates, runFfmpeg } from '../../../native/ffmpeg/locate-ffmpeg.ts';

/** The first ffmpeg that runs (AEV_FFMPEG alone when set, else ffmpeg-static, PATH: DESIGN.md §4), or why there is none. */
export async function findFfmpeg(
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ readonly path: string } | { readonly path: null; readonly reason: string }> {
  const tried: string[] = [];
  const candidates = ffmpegCandidates(env);
  // An explicit AEV_FFMPEG is never silently replaced by another binary (docs/screen-capture.md).
  for (const c of candidates[0]?.source === 'AEV_FFMPEG' ? candidates.slice(0, 1) : candidates) {
    const r = await runFfmpeg(c.path, ['-hide_banner', '-version'], { env });
    if (r.ran && r.code === 0) return { path: c.path };
    tried.push(`${c.path} (${c.source}): ${r.ran ? `exit ${String(r.code)}` : r.reason}`);
  }
  return { path: null, reason: `no ffmpeg found (${tried.join('; ')})` };
}

/** Input for one ffmpeg pipe: fd 0 is `pipe:0`, fd 3 is `pipe:3`. */
export type PipeInput = Buffer | AsyncIterable<Buffer>;

export interface PipeRun {
  readonly code: number | null;
  /** stdout as the pieces it arrived in (a large output, clip.mp4, is archived from them uncopied). */
  readonly stdoutPieces: readonly Buffer[];
  readonly stdoutBytes: number;
  /** stdout in one buffer (copied on each use: for small outputs). */
  readonly stdout: Buffer;
  readonly stderr: string;
}

const STDERR_TAIL = 4096;

/**
 * Runs ffmpeg with its inputs on pipes (stdin and, when given, fd 3) and its output collected from stdout
 * in memory: the media never passes through a file (invariant I1). Never throws for ffmpeg's own
 * failures; a process that cannot start rejects.
 */
export function ffmpegPipes(
  ffmpeg: string,
  args: readonly string[],
  inputs: { readonly stdin: PipeInput; readonly fd3?: PipeInput },
  options: { readonly timeoutMs?: number; readonly maxOutputBytes?: number } = {},
): Promise<PipeRun> {
  const maxOut = options.maxOutputBytes ?? 4 * 1024 ** 3;
  const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe'];
  if (inputs.fd3 !== undefined) stdio.push('pipe');
  const child = spawn(ffmpeg, args, { stdio, windowsHide: true });
  const out: Buffer[] = [];
  let outBytes = 0;
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
  child.stdout?.on('data', (chunk: Buffer) => {
    outBytes += chunk.length;
    if (outBytes > maxOut) child.kill('SIGKILL');
    else out.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const fd3 = child.stdio[3] as Writable | null | undefined;
  // A source that fails midway (a vault read) must not leave ffmpeg a truncated input it would accept.
  const fed = Promise.all([
    feed(child.stdin, inputs.stdin),
    inputs.fd3 === undefined ? Promise.resolve() : feed(fd3 ?? null, inputs.fd3),
  ]).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return Promise.all([exited, fed])
    .then(
      ([code]) => ({
        code,
        stdoutPieces: out,
        stdoutBytes: outBytes,
        get stdout() {
          return Buffer.concat(out);
        },
        stderr: stderr.trim(),
      }),
      (error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      },
    )
    .finally(() => {
      clearTimeout(timer);
    });
}

/** Writes an input with backpressure; ffmpeg may stop reading early (EPIPE), which is its answer, not ours. */
async function feed(pipe: Writable | null, input: PipeInput): Promise<void> {
  if (pipe === null) return;
  pipe.on('error', () => undefined);
  if (Buffer.isBuffer(input)) {
    pipe.end(input);
    return;
  }
  for await (const chunk of input) {
    if (pipe.destroyed) return;
    if (!pipe.write(chunk))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          pipe.off('drain', done);
          pipe.off('close', done);
          resolve();
        };
        pipe.once('drain', done);
        pipe.once('close', done);
      });
  }
  pipe.end();
}
