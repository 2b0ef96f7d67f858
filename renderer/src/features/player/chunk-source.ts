import { avcCodecString } from './avc-codec.ts';
import { chunkAt, spanAfter, videoTimeAt, wallAt } from './video-plan.ts';
import type { Chunk, VideoPlan } from './video-plan.ts';

/** Bytes of one chunk: an init segment followed by its fragments (a `readVideo` answer). */
export type FetchChunk = (chunk: Chunk) => Promise<Uint8Array<ArrayBuffer>>;

// Start fetching the next chunk this long before playback reaches the end of the current one.
const PREFETCH_MS = 6000;
// Buffered video further behind the playhead than this is dropped when the browser's quota is reached.
const KEEP_BEHIND_S = 30;
// A stall this close to the end of a run is the run's end (fragments last about a second).
const RUN_END_SLACK_MS = 1500;

/**
 * Feeds a <video> through Media Source Extensions (W3C MSE) chunk by chunk, so a long recording plays
 * without ever holding it whole: the chunk under the playhead is fetched on seek and on play, the next one
 * shortly before it is needed. A recording with several ffmpeg runs (each a new init segment with its own
 * times from 0) is placed on one timeline with SourceBuffer.timestampOffset; playback that reaches a
 * capture gap jumps to where recording resumed.
 */
export class ChunkSource {
  readonly #video: HTMLVideoElement;
  readonly #plan: VideoPlan;
  readonly #fetch: FetchChunk;
  readonly #onError: (message: string) => void;
  readonly #source = new MediaSource();
  readonly #url: string;
  readonly #loaded = new Set<string>();
  readonly #loading = new Set<string>();
  #buffer: SourceBuffer | null = null;
  #type = '';
  #queue: Promise<void> = Promise.resolve();
  #disposed = false;
  readonly #listeners: [string, () => void][] = [];

  constructor(video: HTMLVideoElement, plan: VideoPlan, fetch: FetchChunk, onError: (message: string) => void) {
    this.#video = video;
    this.#plan = plan;
    this.#fetch = fetch;
    this.#onError = onError;
    this.#url = URL.createObjectURL(this.#source);
    this.#source.addEventListener(
      'sourceopen',
      () => {
        this.#opened();
      },
      { once: true },
    );
    video.src = this.#url;
    for (const [name, handler] of [
      [
        'seeking',
        () => {
          this.#wantAt(video.currentTime);
        },
      ],
      [
        'timeupdate',
        () => {
          this.#onTime();
        },
      ],
      [
        'waiting',
        () => {
          this.#onWaiting();
        },
      ],
    ] as const) {
      video.addEventListener(name, handler);
      this.#listeners.push([name, handler]);
    }
  }

  dispose(): void {
    this.#disposed = true;
    for (const [name, handler] of this.#listeners) this.#video.removeEventListener(name, handler);
    this.#video.removeAttribute('src');
    this.#video.load();
    URL.revokeObjectURL(this.#url);
  }

  #opened(): void {
    const first = chunkAt(this.#plan, this.#plan.spans[0]?.startMs ?? this.#plan.originMs);
    if (first === null) return;
    this.#load(first, true);
  }

  #onTime(): void {
    const wall = wallAt(this.#plan, this.#video.currentTime);
    this.#wantAt(this.#video.currentTime);
    const here = chunkAt(this.#plan, wall);
    if (here !== null && here.toMs - wall < PREFETCH_MS && !here.last) {
      const next = chunkAt(this.#plan, here.toMs) ?? nextRunChunk(this.#plan, here);
      if (next !== null) this.#load(next, false);
    }
  }

  /**
   * Stalled. In a capture gap, or at the end of a run whose last chunk is in (its last frame may end a
   * moment before the run's last fragment does), go on where recording resumed; otherwise make sure the
   * data is coming.
   */
  #onWaiting(): void {
    const wall = wallAt(this.#plan, this.#video.currentTime);
    const here = chunkAt(this.#plan, wall);
    const atRunEnd =
      here !== null &&
      this.#loaded.has(here.key) &&
      here.toMs > here.span.endMs &&
      wall > here.span.endMs - RUN_END_SLACK_MS;
    if (here === null || atRunEnd) {
      const next = spanAfter(this.#plan, here?.span.startMs ?? wall);
      if (next !== null) this.#video.currentTime = videoTimeAt(this.#plan, next.startMs);
      return;
    }
    this.#wantAt(this.#video.currentTime);
  }

  #wantAt(videoS: number): void {
    const chunk = chunkAt(this.#plan, wallAt(this.#plan, videoS));
    if (chunk !== null) this.#load(chunk, false);
  }

  #load(chunk: Chunk, first: boolean): void {
    if (this.#disposed || this.#loaded.has(chunk.key) || this.#loading.has(chunk.key)) return;
    this.#loading.add(chunk.key);
    const bytes = this.#fetch(chunk);
    // Appends go one at a time (a SourceBuffer takes one append at a time); fetches may overlap.
    this.#queue = this.#queue.then(async () => {
      try {
        const data = await bytes;
        if (this.#disposed) return;
        await this.#append(chunk, data);
        this.#loaded.add(chunk.key);
        if (first && this.#video.currentTime === 0 && this.#buffer !== null && this.#buffer.buffered.length > 0)
          // The first presentation time is not zero: start where the pictures are, not in a gap.
          this.#video.currentTime = this.#buffer.buffered.start(0);
        if (chunk.last && this.#source.readyState === 'open') this.#source.endOfStream();
      } catch (error) {
        this.#onError(error instanceof Error ? error.message : String(error));
      } finally {
        this.#loading.delete(chunk.key);
      }
    });
  }

  async #append(chunk: Chunk, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const codec = avcCodecString(data);
    const type = `video/mp4; codecs="${codec ?? ''}"`;
    if (codec === null) throw new Error('the recording has no H.264 track');
    if (!MediaSource.isTypeSupported(type)) throw new Error(`this browser cannot play ${type}`);
    let buffer = this.#buffer;
    if (buffer === null) {
      buffer = this.#source.addSourceBuffer(type);
      this.#buffer = buffer;
      this.#type = type;
      this.#source.duration = this.#plan.durationS;
    } else if (type !== this.#type) {
      // A restarted capture may encode another profile or level (W3C MSE §3.2 changeType).
      buffer.changeType(type);
      this.#type = type;
    }
    buffer.timestampOffset = chunk.offsetS;
    try {
      await appendTo(buffer, data);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'QuotaExceededError')) throw error;
      await removeFrom(buffer, 0, Math.max(0, this.#video.currentTime - KEEP_BEHIND_S));
      await appendTo(buffer, data);
    }
  }
}

/** The first chunk of the run after `here`'s (playback goes on there after the capture gap). */
function nextRunChunk(plan: VideoPlan, here: Chunk): Chunk | null {
  const span = spanAfter(plan, here.span.startMs);
  return span === null ? null : chunkAt(plan, span.startMs);
}

function appendTo(buffer: SourceBuffer, data: Uint8Array<ArrayBuffer>): Promise<void> {
  return whenDone(buffer, () => {
    buffer.appendBuffer(data);
  });
}

function removeFrom(buffer: SourceBuffer, from: number, to: number): Promise<void> {
  if (!(to > from)) return Promise.resolve();
  return whenDone(buffer, () => {
    buffer.remove(from, to);
  });
}

function whenDone(buffer: SourceBuffer, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      buffer.removeEventListener('error', failed);
      resolve();
    };
    const failed = () => {
      buffer.removeEventListener('updateend', done);
      reject(new Error('the browser refused the video data'));
    };
    buffer.addEventListener('updateend', done, { once: true });
    buffer.addEventListener('error', failed, { once: true });
    start();
  });
}
