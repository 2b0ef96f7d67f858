// The terminal replay kept in step with the screen video (renderer/src/features/terminal/clock-sync.ts),
// with a video element and an asciinema-player stood in for by small fakes on timers under test control:
// what the real ones do in Chromium is the desktop UI test's (test/e2e/ui/desktop-ui.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The constructor as the renderer declares it, over the structural fakes below. */
type ClockSyncClass = new (
  video: FakeVideo,
  term: FakePlayer,
  termEl: EventTarget,
  map: { videoToTerm(videoS: number): number; termToVideo(termS: number): number },
  onTermTime: (termS: number) => void,
) => { dispose(): void };

// Loaded by URL, typed here: the renderer is a DOM project of its own (its types need the DOM library, and
// a static import across the two projects' outputs cannot be rewritten for the build, TS2878).
const { ClockSync } = (await import(
  new URL('../../../renderer/src/features/terminal/clock-sync.ts', import.meta.url).href
)) as { ClockSync: ClockSyncClass };

/** Terminal cast time = video time + this (the two recordings started apart). */
const OFFSET_S = 1.4;
/** A video sent to a moment without a picture shows the next one there is, this much later. */
const NEXT_PICTURE_S = 0.7;

/** The parts of an HTMLVideoElement ClockSync uses; a seek lands on the next picture and says so. */
class FakeVideo extends EventTarget {
  paused = true;
  seeking = false;
  #time = 0;

  get currentTime(): number {
    return this.#time;
  }

  set currentTime(t: number) {
    this.seeking = true;
    setTimeout(() => {
      this.#time = t + NEXT_PICTURE_S;
      this.seeking = false;
      this.dispatchEvent(new Event('seeked'));
    }, 20);
  }

  /** Where the video is from the start, as if it had been there all along. */
  placeAt(t: number): void {
    this.#time = t;
  }
}

/** The parts of asciinema-player's Player ClockSync uses; seeks land at once. */
class FakePlayer {
  time: number | undefined = 0;
  readonly seeks: number[] = [];

  getCurrentTime(): number | undefined {
    return this.time;
  }

  getDuration(): number {
    return 60;
  }

  seek(t: number): Promise<void> {
    this.seeks.push(t);
    this.time = t;
    return Promise.resolve();
  }

  play(): Promise<void> {
    return Promise.resolve();
  }

  pause(): Promise<void> {
    return Promise.resolve();
  }

  addEventListener(): void {
    // play/pause from the player's own controls: not used here.
  }
}

const map = { videoToTerm: (v: number) => v + OFFSET_S, termToVideo: (t: number) => t - OFFSET_S };

describe('ClockSync', () => {
  let video: FakeVideo;
  let player: FakePlayer;
  let termEl: EventTarget;
  let sync: InstanceType<ClockSyncClass>;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    video = new FakeVideo();
    player = new FakePlayer();
    termEl = new EventTarget();
    video.placeAt(10);
    sync = new ClockSync(video, player, termEl, map, () => undefined);
  });

  afterEach(() => {
    sync.dispose();
    vi.useRealTimers();
  });

  /** The user moves the terminal: a key on its element, then the player at `to`. */
  const userMovesTerminalTo = (to: number) => {
    termEl.dispatchEvent(new Event('keydown'));
    player.time = to;
  };

  const offStep = () => Math.abs((player.time ?? NaN) - map.videoToTerm(video.currentTime));

  it('starts the terminal where the video is', () => {
    expect(player.time).toBeCloseTo(10 + OFFSET_S, 6);
  });

  it('moves the video when the user moves the terminal, then brings the terminal to the picture it shows', async () => {
    userMovesTerminalTo(30);
    await vi.advanceTimersByTimeAsync(300);
    // The video went to the terminal's moment, and showed the next picture there is.
    expect(video.currentTime).toBeCloseTo(30 - OFFSET_S + NEXT_PICTURE_S, 6);
    await vi.advanceTimersByTimeAsync(3000);
    expect(offStep()).toBeLessThanOrEqual(0.05);
  });

  it('does not leave the terminal off the video for good when the user moves it again less than a second away', async () => {
    // CI's desktop UI test pressed the terminal's jump key twice: the first press moved the video, which
    // showed the next picture 0.7 s on and brought the terminal there; the second put the terminal back
    // 0.7 s before it. A move that small never moves the video, and the touch it left outstanding kept the
    // video from leading again: the two stayed 0.7 s apart for as long as nobody touched them.
    userMovesTerminalTo(30);
    await vi.advanceTimersByTimeAsync(300);
    expect(offStep()).toBeLessThanOrEqual(0.05);
    userMovesTerminalTo(30);
    expect(offStep()).toBeCloseTo(NEXT_PICTURE_S, 6);
    await vi.advanceTimersByTimeAsync(5000);
    expect(offStep()).toBeLessThanOrEqual(0.05);
  });

  it('keeps a move of the user that the player makes late (after the touch window) as the user’s', async () => {
    termEl.dispatchEvent(new Event('keydown'));
    // A busy machine: the player lands the user's seek only 3 s after the key.
    await vi.advanceTimersByTimeAsync(3000);
    player.time = 40;
    await vi.advanceTimersByTimeAsync(300);
    expect(video.currentTime).toBeCloseTo(40 - OFFSET_S + NEXT_PICTURE_S, 6);
  });
});
