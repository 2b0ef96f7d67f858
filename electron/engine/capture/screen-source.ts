import type { CaptureRegion } from '../../../native/ffmpeg/capture-args.ts';
import { captureArgs } from '../../../native/ffmpeg/capture-args.ts';
import { resolveCapture } from '../../../native/ffmpeg/probe-capture.ts';
import { startScreenRecorder } from '../../../native/ffmpeg/screen-recorder.ts';

/** The init segment of a fragmented MP4 (ftyp + moov). */
export interface CaptureInit {
  readonly bytes: Buffer;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly timescale: number;
}

/** One moof + mdat fragment with its wall-clock interval and its presentation time in the video. */
export interface CaptureFragment {
  readonly bytes: Buffer;
  readonly sequence: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly ptsMs: number;
  readonly keyframe: boolean;
}

export interface CaptureExit {
  readonly requested: boolean;
  /** Why it stopped, for the gap record: "exit code 1; <last error line>". */
  readonly reason: string;
}

export interface CaptureSink {
  onInit(init: CaptureInit): void;
  onFragment(fragment: CaptureFragment): void;
  onExit(exit: CaptureExit): void;
}

export interface CaptureRun {
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * One capture interface, any backend (DESIGN.md §4): a source starts runs that deliver fragmented MP4
 * (init, then fragments with wall-clock times) with a keyframe at every window boundary, `phaseMs` after
 * the run's first frame and every `windowMs` after that. ffmpeg is the backend here; the desktop app's
 * Chromium capture page (WebCodecs → fMP4 over a MessagePort) is the other.
 */
export interface ScreenSource {
  readonly backend: string;
  /** The ffmpeg that can decode what this source records (stills from the video), if there is one. */
  readonly ffmpeg: string | null;
  start(phaseMs: number, sink: CaptureSink): CaptureRun;
}

export interface ScreenSettings {
  readonly fps: number;
  readonly maxLongSide: number;
  readonly display?: string;
  readonly region?: CaptureRegion;
  readonly windowMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const STDERR_IN_REASON = 300;

/** The ffmpeg backend: finds an ffmpeg able to capture here (or throws E_CAPTURE_UNAVAILABLE saying why). */
export async function ffmpegScreenSource(s: ScreenSettings): Promise<ScreenSource> {
  const found = await resolveCapture(s.env, process.platform);
  const settings = (phaseMs: number) => ({
    fps: s.fps,
    maxLongSide: s.maxLongSide,
    windowMs: s.windowMs,
    phaseMs,
    ...(s.display === undefined ? {} : { display: s.display }),
    ...(s.region === undefined ? {} : { region: s.region }),
  });
  return {
    backend: found.backend,
    ffmpeg: found.ffmpeg,
    start(phaseMs, sink) {
      return startScreenRecorder({
        ffmpeg: found.ffmpeg,
        args: captureArgs(found.backend, settings(phaseMs), found.avfoundation),
        env: { ...s.env },
        onInit: (init) => {
          sink.onInit(init);
        },
        onFragment: (fragment) => {
          sink.onFragment(fragment);
        },
        onExit: (exit) => {
          const why = exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
          sink.onExit({
            requested: exit.requested,
            reason: `ffmpeg (${found.backend}) ${why}; ${lastLine(exit.stderrTail)}`,
          });
        },
      });
    },
  };
}

function lastLine(stderr: string): string {
  const last =
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1) ?? 'no output';
  return last.length > STDERR_IN_REASON ? `${last.slice(0, STDERR_IN_REASON)}…` : last;
}
