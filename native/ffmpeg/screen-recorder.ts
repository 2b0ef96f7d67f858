import { spawn } from 'node:child_process';
import { AevError } from '../../electron/common/errors.ts';
import { bannerAnchor } from './ffmpeg-banner.ts';
import { Fmp4Splitter } from './fmp4-splitter.ts';
import type { Fmp4Fragment, Fmp4Init } from './fmp4-splitter.ts';

export interface RecordedFragment {
  readonly bytes: Buffer;
  readonly sequence: number;
  /** Wall-clock epoch ms of the fragment's first sample. */
  readonly startMs: number;
  readonly endMs: number;
  readonly keyframe: boolean;
  /**
   * Where the fragment starts in the video's own time line, ms from t=0 (tfdt / timescale): with no
   * B-frames (zerolatency) decode and presentation times coincide.
   */
  readonly ptsMs: number;
}

export interface ScreenRecorderExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** stop() asked for this exit. */
  readonly requested: boolean;
  /** The last few KiB of ffmpeg's stderr, for the gap record and for people. */
  readonly stderrTail: string;
  /** Why the recording broke on our side: a malformed stream (E_MEDIA_FORMAT) or a failed spawn. */
  readonly error?: AevError;
}

export interface ScreenRecorderOptions {
  readonly ffmpeg: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string | undefined>;
  /** The clock read when ffmpeg is spawned (default Date.now). */
  readonly spawnedAtMs?: () => number;
  onInit(init: Fmp4Init): void;
  onFragment(f: RecordedFragment): void;
  onExit(exit: ScreenRecorderExit): void;
}

export interface ScreenRecorder {
  readonly pid: number | undefined;
  /** Writes `q` (ffmpeg's own quit key), then SIGTERM, then SIGKILL; resolves once ffmpeg exited and the last fragment was delivered. */
  stop(timeoutMs?: number): Promise<void>;
}

const STDERR_TAIL = 8 * 1024;
/** ffmpeg prints its banner before it writes a byte of output; this only covers a build that does not. */
const ANCHOR_WAIT_MS = 1000;
const TERM_GRACE_MS = 2000;

/**
 * Runs one ffmpeg capture (args from captureArgs) and turns its stdout into an init segment and
 * wall-clock-stamped fragments. Bytes stay in memory (DESIGN.md I1). A malformed stream kills ffmpeg
 * and is reported through onExit with `error`.
 */
export function startScreenRecorder(o: ScreenRecorderOptions): ScreenRecorder {
  const spawnedAt = (o.spawnedAtMs ?? Date.now)();
  const child = spawn(o.ffmpeg, [...o.args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: o.env ?? process.env,
    windowsHide: true,
  });
  const splitter = new Fmp4Splitter();
  let timescale = 0;
  let stderr = '';
  let bannerText = '';
  let anchorMs: number | null = null;
  let anchorTimer: NodeJS.Timeout | null = null;
  const pending: Fmp4Fragment[] = [];
  let error: AevError | undefined;
  let requested = false;
  let finished = false;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const fail = (e: AevError): void => {
    if (error !== undefined) return;
    error = e;
    child.kill('SIGKILL');
  };
  /** A throwing callback is the caller's bug; it ends this recording instead of the process. */
  const callback = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      fail(
        new AevError('E_CAPTURE_FAILED', `a recorder callback threw: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  };
  const deliver = (f: Fmp4Fragment, anchor: number): void => {
    callback(() => {
      o.onFragment({
        bytes: f.bytes,
        sequence: f.sequence,
        startMs: anchor + (f.decodeTime / timescale) * 1000,
        endMs: anchor + ((f.decodeTime + f.duration) / timescale) * 1000,
        keyframe: f.keyframe,
        ptsMs: (f.decodeTime / timescale) * 1000,
      });
    });
  };
  const setAnchor = (ms: number): void => {
    if (anchorMs !== null) return;
    anchorMs = ms;
    if (anchorTimer !== null) clearTimeout(anchorTimer);
    for (const f of pending.splice(0)) deliver(f, ms);
  };

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
    if (anchorMs !== null) return;
    bannerText = (bannerText + text).slice(0, 256 * 1024);
    const banner = bannerAnchor(bannerText, spawnedAt);
    if (banner.kind === 'epoch') setAnchor(banner.ms);
    else if (banner.kind === 'none') setAnchor(spawnedAt);
  });

  child.stdout.on('data', (chunk: Buffer) => {
    if (error !== undefined) return;
    try {
      for (const part of splitter.push(chunk)) {
        if (part.kind === 'init') {
          timescale = part.init.timescale;
          const init = part.init;
          callback(() => {
            o.onInit(init);
          });
        } else if (anchorMs !== null) deliver(part.fragment, anchorMs);
        else {
          pending.push(part.fragment);
          anchorTimer ??= setTimeout(() => {
            setAnchor(spawnedAt);
          }, ANCHOR_WAIT_MS);
        }
      }
    } catch (e) {
      fail(asAevError(e));
    }
  });

  const finish = (code: number | null, signal: string | null): void => {
    if (finished) return;
    finished = true;
    if (anchorTimer !== null) clearTimeout(anchorTimer);
    try {
      setAnchor(spawnedAt);
      if (error === undefined) splitter.end();
    } catch (e) {
      error ??= asAevError(e);
    }
    // The reason is also the last line of the tail, for whoever logs only the tail.
    const stderrTail = error === undefined ? stderr : `${stderr}\n[aev] ${error.code}: ${error.message}\n`;
    try {
      o.onExit({ code, signal, requested, stderrTail, ...(error === undefined ? {} : { error }) });
    } finally {
      resolveClosed();
    }
  };

  child.on('error', (e: NodeJS.ErrnoException) => {
    error ??= new AevError('E_CAPTURE_FAILED', `could not run ${o.ffmpeg}: ${e.message}`, { code: e.code });
    // A process that never started emits no 'close' of its own on every Node version.
    if (child.pid === undefined)
      setImmediate(() => {
        finish(null, null);
      });
  });
  child.on('close', (code, signal) => {
    finish(code, signal);
  });
  child.stdin.on('error', () => undefined); // EPIPE when ffmpeg is already gone

  let stopping: Promise<void> | null = null;
  return {
    pid: child.pid,
    stop(timeoutMs = 5000): Promise<void> {
      if (finished) return closed;
      stopping ??= (async () => {
        requested = true;
        child.stdin.end('q\n');
        if (await exitsWithin(closed, timeoutMs)) return;
        child.kill('SIGTERM');
        if (await exitsWithin(closed, TERM_GRACE_MS)) return;
        child.kill('SIGKILL');
        await closed;
      })();
      return stopping;
    },
  };
}

function exitsWithin(closed: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, ms);
    void closed.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function asAevError(e: unknown): AevError {
  if (e instanceof AevError) return e;
  return new AevError('E_CAPTURE_FAILED', `recording failed: ${e instanceof Error ? e.message : String(e)}`);
}
