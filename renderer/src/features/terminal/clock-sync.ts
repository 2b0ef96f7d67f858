import type { Player } from 'asciinema-player';

/** asciinema-player answers undefined until its recording is loaded (its core's getCurrentTime), whatever its typings say. */
export function playerTime(player: Player): number | undefined {
  const t: unknown = player.getCurrentTime();
  return typeof t === 'number' ? t : undefined;
}

/** Video time (s) ↔ terminal cast time (s): both are wall clock minus their own origin. */
export interface ClockMap {
  videoToTerm(videoS: number): number;
  termToVideo(termS: number): number;
}

// How far the terminal may drift from the video before it is moved: tight when paused, looser while
// playing (each seek redraws the terminal from its last keyframe).
const PAUSED_TOLERANCE_S = 0.05;
const PLAYING_TOLERANCE_S = 0.5;
// A terminal this far from where the video says it should be, just after the user touched it, was moved
// by the user; lag of our own seeks (the player redraws asynchronously) is never taken for that.
const USER_MOVE_S = 1;
const USER_WINDOW_MS = 2000;
const POLL_MS = 250;
// A terminal that moved this much since the user's touch was moved by it (more than a poll of playing).
const TOUCH_MOVED_S = 0.5;

/**
 * Keeps the terminal replay (asciinema-player) in step with the screen video (issue #6, "the terminal
 * replay in step with the video clock"): the video leads — seeking, playing and pausing it moves the
 * terminal — and a seek or play/pause the user makes in the terminal player (pointer or keyboard on its
 * element) moves the video in turn.
 */
export class ClockSync {
  readonly #video: HTMLVideoElement;
  readonly #term: Player;
  readonly #map: ClockMap;
  readonly #onTermTime: (termS: number) => void;
  readonly #listeners: [string, () => void][] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #termEl: HTMLElement;
  readonly #touched = () => {
    this.#touchedAt = performance.now();
    this.#termAtTouch = playerTime(this.#term);
  };
  #touchedAt = -Infinity;
  /**
   * The terminal's time when the user last touched it, until that touch has moved the video (or the
   * video moved the terminal since): a seek the player takes long to make (a busy machine, a long cast)
   * is still the user's, however late it lands. Null when no touch is outstanding.
   */
  #termAtTouch: number | undefined | null = null;
  #disposed = false;

  constructor(
    video: HTMLVideoElement,
    term: Player,
    termEl: HTMLElement,
    map: ClockMap,
    onTermTime: (termS: number) => void,
  ) {
    this.#video = video;
    this.#term = term;
    this.#map = map;
    this.#onTermTime = onTermTime;
    this.#termEl = termEl;
    termEl.addEventListener('pointerdown', this.#touched, true);
    termEl.addEventListener('keydown', this.#touched, true);
    for (const [name, handler] of [
      [
        'seeked',
        () => {
          this.#follow(true);
        },
      ],
      [
        'timeupdate',
        () => {
          this.#follow(false);
        },
      ],
      [
        'play',
        () => {
          this.#play();
        },
      ],
      [
        'pause',
        () => {
          this.#pause();
        },
      ],
    ] as const) {
      video.addEventListener(name, handler);
      this.#listeners.push([name, handler]);
    }
    term.addEventListener('play', () => {
      if (this.#userActive() && video.paused) void video.play();
    });
    term.addEventListener('pause', () => {
      if (this.#userActive() && !video.paused) video.pause();
    });
    this.#timer = setInterval(() => {
      this.#poll();
    }, POLL_MS);
    this.#follow(true);
  }

  dispose(): void {
    this.#disposed = true;
    clearInterval(this.#timer);
    this.#termEl.removeEventListener('pointerdown', this.#touched, true);
    this.#termEl.removeEventListener('keydown', this.#touched, true);
    for (const [name, handler] of this.#listeners) this.#video.removeEventListener(name, handler);
  }

  /** Where the terminal should be for the video's current time, within the cast. */
  #target(): number {
    const t = this.#map.videoToTerm(this.#video.currentTime);
    const duration = this.#term.getDuration();
    return Math.max(0, duration === undefined ? t : Math.min(t, duration));
  }

  #follow(force: boolean): void {
    if (this.#disposed) return;
    const target = this.#target();
    const now = playerTime(this.#term);
    const tolerance = this.#video.paused ? PAUSED_TOLERANCE_S : PLAYING_TOLERANCE_S;
    if (!force && now !== undefined && Math.abs(now - target) <= tolerance) return;
    // The video leads from here: an outstanding touch of the terminal is overtaken.
    this.#termAtTouch = null;
    void this.#term.seek(target);
  }

  #play(): void {
    const duration = this.#term.getDuration();
    const target = this.#map.videoToTerm(this.#video.currentTime);
    // Before the terminal started or after it ended there is nothing to play: it waits at its edge.
    if (target < 0 || (duration !== undefined && target >= duration)) return;
    void this.#term.play();
  }

  #pause(): void {
    void this.#term.pause().then(() => {
      this.#follow(true);
    });
  }

  #userActive(): boolean {
    return performance.now() - this.#touchedAt < USER_WINDOW_MS;
  }

  /** A touch is outstanding and the terminal has moved since it (to wherever the user sent it). */
  #movedByUser(now: number): boolean {
    const before = this.#termAtTouch;
    if (before === null) return false;
    return before === undefined || Math.abs(now - before) > TOUCH_MOVED_S;
  }

  #poll(): void {
    const now = playerTime(this.#term);
    if (now === undefined) return;
    this.#onTermTime(now);
    if (this.#video.seeking) return;
    if (!(this.#userActive() || this.#movedByUser(now))) {
      // The video leads: a terminal left behind is brought to it. The video can move without a seek the
      // terminal hears of: sent to a moment without a picture (a still screen's dropped frames, a capture
      // gap), it shows the next picture there is, and says so only in `currentTime`.
      this.#follow(false);
      return;
    }
    if (Math.abs(now - this.#target()) > USER_MOVE_S) {
      // Followed once: the video's own seek brings the terminal along from here.
      this.#touchedAt = -Infinity;
      this.#termAtTouch = null;
      this.#video.currentTime = Math.max(0, this.#map.termToVideo(now));
      return;
    }
    // The user's move landed within USER_MOVE_S of the video: too close to tell from our own seeks' lag, so
    // the video stays. Once the touch's window has passed it is settled and the video leads again; left
    // outstanding, it kept the terminal that far off the video for good (the video had moved to the next
    // picture there was, ~0.7 s after the moment the user picked, and the user picked that moment again).
    if (!this.#userActive()) this.#termAtTouch = null;
  }
}
