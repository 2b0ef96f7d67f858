import { pngSize } from './png-encoder.ts';
import type { DecodedFrames } from './still-frames.ts';

export type StillFailureCode = 'STILL_UNAVAILABLE' | 'STILL_TIMEOUT' | 'STILL_CRASHED';

export type StillResult =
  | {
      readonly ok: true;
      readonly png: Buffer;
      readonly width: number;
      readonly height: number;
      /** The focused window's title; null when it could not be read (which does not fail the still). */
      readonly windowTitle: string | null;
    }
  | { readonly ok: false; readonly code: StillFailureCode; readonly message: string };

/** How the worker ended, as the parent saw it. */
export interface WorkerOutcome {
  readonly frames: DecodedFrames;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly oversized: boolean;
  readonly stderrTail: string;
  readonly timeoutMs: number;
}

// libnut prints this (and then crashes) when XOpenDisplay fails: the display is missing, not the worker broken.
const NO_DISPLAY = 'Could not open main display';

/**
 * Turns what the worker wrote and how it ended into one coded result. A complete still frame wins over
 * everything after it: the title step may abort the worker or run into the timeout, and the still is
 * still good (the title is then null).
 */
export function stillVerdict(outcome: WorkerOutcome): StillResult {
  const { frames } = outcome;
  const still = frames.messages.find((m) => m.kind === 'still');
  if (still !== undefined) {
    const size = pngSize(still.png);
    if (size === null || size.width !== still.width || size.height !== still.height) {
      return crashed('the still worker sent a PNG that does not match its own header');
    }
    const title = frames.messages.find((m) => m.kind === 'title');
    return {
      ok: true,
      png: Buffer.from(still.png.buffer, still.png.byteOffset, still.png.byteLength),
      width: still.width,
      height: still.height,
      windowTitle: title === undefined ? null : title.title,
    };
  }
  const unavailable = frames.messages.find((m) => m.kind === 'unavailable');
  if (unavailable !== undefined) return { ok: false, code: 'STILL_UNAVAILABLE', message: unavailable.message };
  if (outcome.timedOut) {
    return {
      ok: false,
      code: 'STILL_TIMEOUT',
      message: `no still within ${outcome.timeoutMs} ms; the still worker was killed`,
    };
  }
  if (outcome.oversized) return crashed('the still worker wrote more than a still can be; it was killed');
  if (outcome.stderrTail.includes(NO_DISPLAY)) {
    return { ok: false, code: 'STILL_UNAVAILABLE', message: `cannot open the display (${NO_DISPLAY})` };
  }
  const ending = outcome.signal === null ? `exit code ${String(outcome.exitCode)}` : `signal ${outcome.signal}`;
  const garbled = frames.trailing === 'garbled' ? ', after writing unexpected output' : '';
  const detail = lastLine(outcome.stderrTail);
  return crashed(`the still worker ended without a still (${ending}${garbled})${detail === '' ? '' : `: ${detail}`}`);
}

function crashed(message: string): StillResult {
  return { ok: false, code: 'STILL_CRASHED', message };
}

/** The last non-empty stderr lines, joined, short enough for a log line (X errors span several lines). */
function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.slice(-5).join(' | ').slice(-400);
}
