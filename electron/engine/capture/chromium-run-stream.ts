import { Fmp4Splitter } from '../../../native/ffmpeg/fmp4-splitter.ts';
import type { Fmp4Fragment } from '../../../native/ffmpeg/fmp4-splitter.ts';
import { mediaError } from '../../../native/ffmpeg/mp4-box.ts';
import type { CaptureFragment, CaptureInit } from './screen-source.ts';

export type RunOutput =
  | { readonly kind: 'init'; readonly init: CaptureInit }
  | { readonly kind: 'fragment'; readonly fragment: CaptureFragment };

/**
 * The page and the engine read the same wall clock; this covers the scheduling and encoding delay between
 * a frame and the part that carries it, and nothing like a clock from another day.
 */
const CLOCK_SLACK_MS = 2000;
/** How far a fragment's stated start may be from where its decode time puts it (a rounding, not a shift). */
const STATED_TIME_SLACK_MS = 1000;

/**
 * One run's bytes from a capture page, checked as they arrive: the page is outside the engine, so its fMP4
 * goes through the same box splitter as ffmpeg's stdout (native/ffmpeg/fmp4-splitter.ts), and the parts
 * must say what they are: an init message completes no fragment, a fragment message exactly one. Times
 * follow the ffmpeg backend's rule: a fragment starts at the run's anchor (the init's wall clock, video
 * t = 0) plus its tfdt decode time. Anything else throws E_MEDIA_FORMAT and the stream stays failed.
 */
export class PageRunStream {
  readonly #splitter: Fmp4Splitter;
  readonly #startedAtMs: number;
  #anchorMs: number | null = null;
  #timescale = 0;
  #lastDecodeTime = -1;

  constructor(startedAtMs: number, maxPartBytes: number) {
    this.#startedAtMs = startedAtMs;
    this.#splitter = new Fmp4Splitter({ maxFragmentBytes: maxPartBytes });
  }

  push(kind: 'init' | 'fragment', wallMs: number, bytes: Uint8Array, nowMs: number): RunOutput[] {
    if (kind === 'init') {
      if (this.#anchorMs !== null) throw mediaError('a second init segment in one run');
      if (wallMs < this.#startedAtMs - CLOCK_SLACK_MS || wallMs > nowMs + CLOCK_SLACK_MS)
        throw mediaError(
          `the init segment puts video t=0 at ${iso(wallMs)}, outside the run (ordered ${iso(this.#startedAtMs)})`,
        );
      this.#anchorMs = wallMs;
    } else if (this.#anchorMs === null) throw mediaError('a fragment before the init segment');
    const anchor = this.#anchorMs;
    const out: RunOutput[] = [];
    let fragments = 0;
    for (const part of this.#splitter.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
      if (part.kind === 'init') {
        const { bytes: initBytes, codec, width, height, timescale } = part.init;
        this.#timescale = timescale;
        out.push({ kind: 'init', init: { bytes: initBytes, codec, width, height, timescale } });
      } else {
        fragments += 1;
        out.push({ kind: 'fragment', fragment: this.#timed(part.fragment, anchor, wallMs, nowMs) });
      }
    }
    if (kind === 'init' && fragments > 0) throw mediaError('the init message carries a fragment too');
    if (kind === 'fragment' && fragments !== 1)
      throw mediaError(`a fragment message completed ${fragments} fragments instead of one`);
    return out;
  }

  /** The page finished the run: a half-sent box or fragment is a truncated stream. */
  end(): void {
    this.#splitter.end();
  }

  #timed(f: Fmp4Fragment, anchorMs: number, statedMs: number, nowMs: number): CaptureFragment {
    if (f.decodeTime <= this.#lastDecodeTime)
      throw mediaError(`fragment ${f.sequence} does not move forward in time (tfdt ${f.decodeTime})`);
    this.#lastDecodeTime = f.decodeTime;
    const ptsMs = (f.decodeTime / this.#timescale) * 1000;
    const startMs = anchorMs + ptsMs;
    const endMs = anchorMs + ((f.decodeTime + f.duration) / this.#timescale) * 1000;
    if (Math.abs(startMs - statedMs) > STATED_TIME_SLACK_MS)
      throw mediaError(`fragment ${f.sequence} is stated at ${iso(statedMs)} but its decode time says ${iso(startMs)}`);
    if (endMs > nowMs + CLOCK_SLACK_MS) throw mediaError(`fragment ${f.sequence} ends in the future (${iso(endMs)})`);
    return { bytes: f.bytes, sequence: f.sequence, startMs, endMs, ptsMs, keyframe: f.keyframe };
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
