import { chooseCodec } from './codec-choice.ts';
import type { CapturedPart, EngineLink, RunOrder } from './capture-protocol.ts';
import { FragmentMuxer } from './fragment-muxer.ts';
import { FramePacer } from './frame-pacer.ts';
import { encodedSize, FrameScaler } from './frame-scaler.ts';
import type { PageStatus } from './page-status.ts';
import { openScreen } from './screen-stream.ts';
import type { ScreenPick } from './screen-stream.ts';

/** Chromium's MediaStreamTrackProcessor (mediacapture-transform), not in TypeScript's DOM types. */
type TrackProcessorClass = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => {
  readonly readable: ReadableStream<VideoFrame>;
};

export interface RecorderDeps {
  readonly link: EngineLink;
  readonly pick: ScreenPick;
  readonly status: PageStatus;
}

/** An unchanged screen still gets a frame a second (ffmpeg's mpdecimate keeps one a second too). */
const HEARTBEAT_MS = 1000;
/** Frames waiting in the encoder beyond this are dropped (never a keyframe): the page never falls behind. */
const MAX_ENCODE_QUEUE = 8;
/** Parts waiting to reach the engine beyond this: the engine is gone or stuck, and the run fails. */
const MAX_UNSENT_BYTES = 64 * 1024 * 1024;

/**
 * Records one run the engine ordered (DESIGN.md §4): screen → MediaStreamTrackProcessor → FramePacer
 * (rate, keyframes on window boundaries, heartbeat) → WebCodecs VideoEncoder → FragmentMuxer (fMP4) →
 * the engine link, part by part, in order. `stop()` ends it cleanly (last fragment, then `ended`); a
 * failure anywhere ends it with the reason, which the engine puts on record as a gap.
 */
export class RunRecorder {
  readonly order: RunOrder;
  /** Resolves when the run is over on this side: null after a clean stop, else what broke. */
  readonly done: Promise<string | null>;
  readonly #deps: RecorderDeps;
  #stopping = false;
  #failure: string | null = null;
  #reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  #latest: VideoFrame | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> = Promise.resolve();
  #unsentBytes = 0;
  #muxing: Promise<void> = Promise.resolve();

  private constructor(order: RunOrder, deps: RecorderDeps) {
    this.order = order;
    this.#deps = deps;
    this.done = this.#record();
  }

  static start(order: RunOrder, deps: RecorderDeps): RunRecorder {
    return new RunRecorder(order, deps);
  }

  stop(): void {
    this.#stopping = true;
    this.#interrupt();
  }

  async #record(): Promise<string | null> {
    const { status } = this.#deps;
    let stream: MediaStream | null = null;
    let encoder: VideoEncoder | null = null;
    let muxer: FragmentMuxer | null = null;
    let lastUs = -1000;
    try {
      stream = await openScreen(this.#deps.pick, this.order);
      const track = stream.getVideoTracks()[0];
      if (track === undefined) throw new Error('the screen stream has no video track');
      track.addEventListener('ended', () => {
        this.#fail('the screen capture ended (sharing stopped or the display went away)');
      });
      this.#reader = new (trackProcessorClass())({ track, maxBufferSize: 2 }).readable.getReader();
      const first = await this.#reader.read();
      if (first.done || this.#over()) {
        first.value?.close();
        return await this.#end(stream);
      }
      // Video t = 0 is this frame; wall clock from Date.now (the engine's clock), intervals from the
      // monotonic clock, so an NTP step during the run moves nothing inside it.
      const anchorMs = Date.now();
      const perf0 = performance.now();
      const videoNow = (): number => anchorMs + (performance.now() - perf0);
      // Later frames are timed by their capture timestamps (µs, the capturer's monotonic clock), so a
      // busy page does not move them; a source without a usable capture clock falls back to arrival.
      const firstTs = first.value.timestamp;
      const capturedAt = (frame: VideoFrame): number => {
        const at = anchorMs + (frame.timestamp - firstTs) / 1000;
        const now = videoNow();
        return Number.isFinite(at) && at <= now + 50 && at >= now - 5000 ? at : now;
      };
      const size = encodedSize(first.value.displayWidth, first.value.displayHeight, this.order.maxLongSide);
      const codec = await chooseCodec(size.width, size.height, this.order.fps);
      status.codec(codec.config.codec);
      const mux = await FragmentMuxer.start(codec.container, anchorMs, (part) => {
        this.#send(part);
      });
      muxer = mux;
      const enc = new VideoEncoder({
        output: (chunk, meta) => {
          this.#muxing = this.#muxing
            .then(() => mux.add(chunk, meta))
            .catch((error: unknown) => {
              this.#fail(`muxing failed: ${message(error)}`);
            });
        },
        error: (error) => {
          this.#fail(`the video encoder failed: ${error.message}`);
        },
      });
      encoder = enc;
      enc.configure(codec.config);
      const scaler = new FrameScaler(size);
      const pacer = new FramePacer({
        fps: this.order.fps,
        windowMs: this.order.windowMs,
        boundaryMs: this.order.boundaryMs,
        heartbeatMs: HEARTBEAT_MS,
      });
      const encodeLatest = (wallMs: number, keyFrame: boolean): void => {
        const picture = this.#latest;
        if (picture === null) return;
        if (!keyFrame && enc.encodeQueueSize > MAX_ENCODE_QUEUE) return;
        // Strictly increasing, whole milliseconds apart (the first frame at 0): the time line never stands still.
        lastUs = Math.max(lastUs + 1000, Math.round((wallMs - anchorMs) * 1000));
        const frame = scaler.frame(picture, lastUs);
        enc.encode(frame, { keyFrame });
        frame.close();
      };
      const schedule = (): void => {
        clearTimeout(this.#timer);
        const due = pacer.nextDueMs();
        if (!Number.isFinite(due) || this.#over()) return;
        this.#timer = setTimeout(
          () => {
            const decision = pacer.onTimer(videoNow());
            if (decision.encode) encodeLatest(decision.atMs, decision.keyFrame);
            schedule();
          },
          Math.max(0, due - videoNow()),
        );
      };
      /** A frame from the screen, captured at `atMs` on the run's clock. */
      const onFrame = (frame: VideoFrame, atMs: number): void => {
        // The newest picture is kept whether or not it is encoded now: the timer may need it.
        this.#latest?.close();
        this.#latest = frame;
        const decision = pacer.onFrame(atMs);
        if (decision.encode) encodeLatest(decision.atMs, decision.keyFrame);
        schedule();
      };
      status.set('recording', this.order.id);
      // The first frame is video t = 0, however long choosing the codec took.
      onFrame(first.value, anchorMs);
      for (;;) {
        const next = await this.#reader.read();
        if (next.done) break;
        if (this.#over()) {
          next.value.close();
          break;
        }
        onFrame(next.value, capturedAt(next.value));
      }
      clearTimeout(this.#timer);
      if (!this.#failed()) {
        await enc.flush();
        await this.#muxing;
        await mux.finish(Math.round((videoNow() - anchorMs) * 1000));
      }
    } catch (error) {
      this.#fail(message(error));
    }
    if (this.#failed()) await muxer?.cancel().catch(() => undefined);
    if (encoder !== null && encoder.state !== 'closed') encoder.close();
    return this.#end(stream);
  }

  /** Releases the screen, waits for what is queued to reach the engine, and says the run is over. */
  async #end(stream: MediaStream | null): Promise<string | null> {
    clearTimeout(this.#timer);
    this.#latest?.close();
    this.#latest = null;
    for (const track of stream?.getTracks() ?? []) track.stop();
    await this.#sending;
    const why = this.#failure;
    try {
      await this.#deps.link.sendEnded(this.order.id, why);
    } catch {
      // The engine is gone: it records the hole when it notices the silence.
    }
    return why;
  }

  #send(part: CapturedPart): void {
    this.#unsentBytes += part.bytes.byteLength;
    if (this.#unsentBytes > MAX_UNSENT_BYTES) {
      this.#fail('the engine is not taking the video (more than 64 MiB waiting)');
      return;
    }
    const size = part.bytes.byteLength;
    this.#sending = this.#sending.then(async () => {
      if (this.#failure !== null) return;
      try {
        await this.#deps.link.sendPart(this.order.id, part);
        this.#deps.status.delivered(part.kind);
      } catch (error) {
        this.#fail(`the engine did not take a ${part.kind}: ${message(error)}`);
      } finally {
        this.#unsentBytes -= size;
      }
    });
  }

  /** Stopping or failed: nothing more is read or encoded. (Methods, not fields: awaits change them.) */
  #over(): boolean {
    return this.#stopping || this.#failure !== null;
  }

  #failed(): boolean {
    return this.#failure !== null;
  }

  /** The first failure is the one on record; a stop in progress ends as a failure too. */
  #fail(reason: string): void {
    if (this.#failure !== null) return;
    this.#failure = reason;
    this.#interrupt();
  }

  /** Wakes the read loop (a still screen sends no frames to wake it) and stops the timer. */
  #interrupt(): void {
    clearTimeout(this.#timer);
    this.#reader?.cancel().catch(() => undefined);
  }
}

function trackProcessorClass(): TrackProcessorClass {
  const found = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorClass }).MediaStreamTrackProcessor;
  if (found === undefined) throw new Error('this browser has no MediaStreamTrackProcessor (Chromium 94 or later)');
  return found;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
