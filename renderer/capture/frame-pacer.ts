/**
 * What to do with a frame, or at a timer: nothing, or encode the newest picture as of `atMs` (as a
 * keyframe or not).
 */
export type PaceDecision =
  { readonly encode: false } | { readonly encode: true; readonly keyFrame: boolean; readonly atMs: number };

export interface PacerConfig {
  readonly fps: number;
  readonly windowMs: number;
  /** One boundary of the engine's window grid (wall clock). */
  readonly boundaryMs: number;
  /** An unchanged screen still gets a frame this often, so fragments keep coming (as ffmpeg's mpdecimate max). */
  readonly heartbeatMs: number;
}

const SKIP: PaceDecision = { encode: false };

/**
 * Decides which frames are encoded (DESIGN.md §4): at most `fps` (a frame within three quarters of a
 * frame interval of the last encoded one waits, and the timer encodes the newest picture one interval
 * after the last), a keyframe on the first frame at or after each window boundary, and, when the screen
 * does not change, the last picture again at the boundary (as the keyframe) and once per heartbeat. The
 * caller always keeps the newest picture, encoded or not. Frames are timed by their capture; a repeat is
 * timed when it was due, not when a busy timer got to it, so a late timer does not move a keyframe off
 * its boundary. Pure time arithmetic, no DOM: wall-clock ms.
 */
export class FramePacer {
  readonly #c: PacerConfig;
  #lastEncodedMs: number | null = null;
  #nextBoundaryMs = Number.POSITIVE_INFINITY;
  /** A frame was held back for the rate: the newest picture is not encoded yet. */
  #waiting = false;

  constructor(config: PacerConfig) {
    this.#c = config;
  }

  /** A new frame from the screen, captured at `frameMs`. */
  onFrame(frameMs: number): PaceDecision {
    if (this.#lastEncodedMs === null) return this.#encoded(frameMs, true);
    if (frameMs >= this.#nextBoundaryMs) return this.#encoded(frameMs, true);
    if (frameMs - this.#lastEncodedMs < this.#minGapMs()) {
      this.#waiting = true;
      return SKIP;
    }
    return this.#encoded(frameMs, false);
  }

  /** The timer, at `nowMs`: the last picture again if a boundary, a heartbeat or a held frame is due. */
  onTimer(nowMs: number): PaceDecision {
    const due = this.nextDueMs();
    if (this.#lastEncodedMs === null || nowMs < due) return SKIP;
    return this.#encoded(due, due === this.#nextBoundaryMs);
  }

  /** When the timer should next look (wall clock); infinite before the first frame. */
  nextDueMs(): number {
    if (this.#lastEncodedMs === null) return Number.POSITIVE_INFINITY;
    const next = this.#lastEncodedMs + (this.#waiting ? 1000 / this.#c.fps : this.#c.heartbeatMs);
    return Math.min(this.#nextBoundaryMs, next);
  }

  #minGapMs(): number {
    return (0.75 * 1000) / this.#c.fps;
  }

  #encoded(atMs: number, keyFrame: boolean): PaceDecision {
    this.#lastEncodedMs = atMs;
    this.#waiting = false;
    // The first boundary strictly after this frame.
    const { boundaryMs, windowMs } = this.#c;
    this.#nextBoundaryMs = boundaryMs + (Math.floor((atMs - boundaryMs) / windowMs) + 1) * windowMs;
    return { encode: true, keyFrame, atMs };
  }
}
