import type { CaptureRegion } from '../../../native/ffmpeg/capture-args.ts';
import { AevError } from '../../common/errors.ts';
import type { ScreenStatus } from '../../common/model/status.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { CaptureSessions } from './capture-sessions.ts';
import type { MediaStore } from './media-store.ts';
import { ffmpegScreenSource } from './screen-source.ts';
import type { CaptureFragment, CaptureInit, CaptureRun, ScreenSource, ScreenSettings } from './screen-source.ts';

export interface ScreenConfig {
  readonly fps: number;
  readonly maxLongSide: number;
  /** x11grab display (":0"), avfoundation screen name, ddagrab output index; default: the current one. */
  readonly display?: string;
  readonly region?: CaptureRegion;
  /** Recording stops this long after the last agent session ended. */
  readonly graceMs: number;
  /** Stills at tool calls: grabbed (nut-js, isolated) with the video as fallback, or always from the video. */
  readonly stills?: 'grab' | 'video';
  /** Where DISPLAY, AEV_FFMPEG and PATH come from. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What the capture service needs to know about the rest of the engine. */
export interface ScreenCaptureDeps {
  readonly sessions: CaptureSessions;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly windowMs: number;
  /** Milliseconds until the sealer's next window boundary (keyframes land on boundaries). */
  readonly msToNextBoundary: () => number;
  /** The first window boundary at or after a wall-clock time. */
  readonly boundaryAtOrAfter: (ms: number) => number;
  /** Seals a session's open window now (not as its final record). */
  readonly sealNow: (sessionId: string) => void;
  /** Number of agent sessions that are active right now. */
  readonly activeAgents: () => number;
  /** false while paused (a pause stops the recording; the gap is on record in every open session). */
  readonly recording: () => boolean;
  /** Puts a signed gap into a session (invariant I4). */
  readonly gap: (sessionId: string, detail: string) => void;
  /** The capture backend; default ffmpeg (the desktop app passes its Chromium capture page). */
  readonly source?: (settings: ScreenSettings) => Promise<ScreenSource>;
}

const TICK_MS = 250;
const DEFAULT_STARTUP_MS = 450;
const MAX_STARTUP_MS = 5000;
/** How long an "unavailable" verdict stands before ffmpeg and the display are probed again. */
const REPROBE_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

interface Running {
  readonly sessionId: string;
  recorder: CaptureRun | null;
  /** Media of one recording are stored strictly in capture order. */
  tail: Promise<unknown>;
  restartAtMs: number;
  failures: number;
  lastInitSeq: number | null;
}

/**
 * Records the screen while agents work (DESIGN.md §4): starts within a tick (250 ms) of the first
 * active agent session, stops `graceMs` after the last one ends, and stops at once while paused. A
 * recording is a session of kind "screen" whose media are the fMP4 init segment and fragments, each
 * encrypted from memory into the vault (invariant I1) and sealed in its window (I2). When ffmpeg dies,
 * the hole goes on record as a `capture-failed` gap and the recording restarts with backoff (I4).
 */
export class ScreenCapture {
  readonly #config: ScreenConfig;
  readonly #deps: ScreenCaptureDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Running | null = null;
  #idleSinceMs: number | null = null;
  #status: ScreenStatus = { state: 'idle', recordingId: null, detail: null, backend: null };
  #resolved: ScreenSource | null = null;
  #unavailableUntilMs = 0;
  /** From spawning ffmpeg to its first frame; learned from each start (x11grab on Xvfb: 0.3–0.6 s). */
  #startupMs = DEFAULT_STARTUP_MS;
  #unavailableLogged = false;
  #busy: Promise<void> = Promise.resolve();

  constructor(config: ScreenConfig, deps: ScreenCaptureDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  start(): void {
    // Probing ffmpeg takes a few runs of it: done now, so the first agent session starts recording at once.
    this.#busy = this.#resolve().then(() => undefined);
    this.#timer = setInterval(() => {
      this.#busy = this.#busy
        .then(() => this.#tick())
        .catch((error: unknown) => {
          this.#deps.logger.error('screen capture failed', { error: messageOf(error) });
        });
    }, TICK_MS);
  }

  status(): ScreenStatus {
    return this.#status;
  }

  /** The ffmpeg that records (and can decode what it recorded); null until one was found. */
  ffmpegPath(): string | null {
    return this.#resolved?.ffmpeg ?? null;
  }

  /** Stops recording (engine stopping): the last fragment is stored and the recording session ends. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#busy;
    await this.#stopRecording('daemon-stopped');
  }

  async #tick(): Promise<void> {
    const now = this.#deps.clock.now();
    const wanted = this.#deps.recording() && this.#deps.activeAgents() > 0;
    if (wanted) this.#idleSinceMs = null;
    else this.#idleSinceMs ??= now;
    const r = this.#running;
    if (r === null) {
      if (wanted) await this.#startRecording();
      return;
    }
    if (!this.#deps.recording()) {
      await this.#stopRecording('recording-stopped');
      return;
    }
    if (!wanted && this.#idleSinceMs !== null && now - this.#idleSinceMs >= this.#config.graceMs) {
      await this.#stopRecording('recording-stopped');
      return;
    }
    if (r.recorder === null && now >= r.restartAtMs) this.#spawn(r);
  }

  async #startRecording(): Promise<void> {
    const resolved = await this.#resolve();
    if (resolved === null) return;
    const now = this.#deps.clock.now();
    const sessionId = this.#deps.sessions.open('screen', 'aev', `screen:${resolved.backend}`, now);
    const r: Running = {
      sessionId,
      recorder: null,
      tail: Promise.resolve(),
      restartAtMs: now,
      failures: 0,
      lastInitSeq: null,
    };
    this.#running = r;
    this.#deps.logger.info('screen recording started', { sessionId, backend: resolved.backend });
    this.#spawn(r);
  }

  #spawn(r: Running): void {
    const resolved = this.#resolved;
    if (resolved === null) return;
    // Video t=0 is the first grabbed frame, which comes a few hundred ms after the spawn: aim the
    // keyframes at the boundaries as they will be then, using what the previous start took.
    const spawnedAt = this.#deps.clock.now();
    const windowMs = this.#deps.windowMs;
    const phaseMs = (((this.#deps.msToNextBoundary() - this.#startupMs) % windowMs) + windowMs) % windowMs;
    let learned = false;
    const recorder = resolved.start(phaseMs, {
      onInit: (init) => {
        this.#store(r, () => this.#storeInit(r, init));
      },
      onFragment: (fragment) => {
        if (!learned) {
          learned = true;
          const startup = fragment.startMs - fragment.ptsMs - spawnedAt;
          if (startup >= 0 && startup < MAX_STARTUP_MS) this.#startupMs = startup;
        }
        this.#store(r, () => this.#storeFragment(r, fragment));
      },
      onExit: (exit) => {
        if (r.recorder === recorder) r.recorder = null;
        if (exit.requested) return;
        r.failures += 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(r.failures - 1, 5));
        r.restartAtMs = this.#deps.clock.now() + backoff;
        const detail = `${exit.reason}; restarting in ${backoff} ms`;
        this.#status = { ...this.#status, state: 'restarting', detail };
        this.#deps.logger.warn('screen capture stopped unexpectedly', { sessionId: r.sessionId, detail });
        // The gap is recorded after what was captured before the failure is stored.
        this.#store(r, () => {
          this.#deps.gap(r.sessionId, detail);
          return Promise.resolve();
        });
      },
    });
    r.recorder = recorder;
    this.#status = { state: 'recording', recordingId: r.sessionId, detail: null, backend: resolved.backend };
  }

  #store(r: Running, work: () => Promise<void>): void {
    r.tail = r.tail.then(work).catch((error: unknown) => {
      this.#deps.logger.error('storing screen media failed', { sessionId: r.sessionId, error: messageOf(error) });
    });
  }

  async #storeInit(r: Running, init: CaptureInit): Promise<void> {
    const now = this.#deps.clock.now();
    const stored = await this.#deps.media.add(r.sessionId, {
      kind: 'video-init',
      bytes: init.bytes,
      startMs: now,
      endMs: now,
      info: { codec: init.codec, width: init.width, height: init.height, timescale: init.timescale },
    });
    r.lastInitSeq = stored.seq;
  }

  async #storeFragment(r: Running, f: CaptureFragment): Promise<void> {
    if (r.lastInitSeq === null) throw new AevError('E_MEDIA_FORMAT', 'a video fragment came before its init segment');
    await this.#deps.media.add(r.sessionId, {
      kind: 'video-fragment',
      bytes: f.bytes,
      startMs: f.startMs,
      endMs: f.endMs,
      info: { init: r.lastInitSeq, sequence: f.sequence, keyframe: f.keyframe, ptsMs: f.ptsMs },
    });
    r.failures = 0;
    // The fragment that ends at a window boundary arrives just after the sealer's timer fired (ffmpeg
    // writes it once the boundary's keyframe is encoded): seal it now, not a whole window later, so
    // every captured byte is sealed within a second of its window closing (invariant I2).
    const frameMs = 1000 / this.#config.fps;
    if (f.endMs >= this.#deps.boundaryAtOrAfter(f.startMs + 1) - frameMs) this.#deps.sealNow(r.sessionId);
  }

  async #stopRecording(reason: 'recording-stopped' | 'daemon-stopped'): Promise<void> {
    const r = this.#running;
    if (r === null) return;
    this.#running = null;
    await r.recorder?.stop(5000);
    await r.tail;
    this.#deps.sessions.end(r.sessionId, reason, this.#deps.clock.now());
    this.#status = { state: 'idle', recordingId: null, detail: null, backend: this.#status.backend };
    this.#deps.logger.info('screen recording stopped', { sessionId: r.sessionId, reason });
  }

  /** Finds ffmpeg and the backend once; when capture is impossible, says why (status, log) and retries later. */
  async #resolve(): Promise<ScreenSource | null> {
    if (this.#resolved !== null) return this.#resolved;
    if (this.#deps.clock.now() < this.#unavailableUntilMs) return null;
    try {
      const c = this.#config;
      const make = this.#deps.source ?? ffmpegScreenSource;
      this.#resolved = await make({
        fps: c.fps,
        maxLongSide: c.maxLongSide,
        windowMs: this.#deps.windowMs,
        env: c.env,
        ...(c.display === undefined ? {} : { display: c.display }),
        ...(c.region === undefined ? {} : { region: c.region }),
      });
      return this.#resolved;
    } catch (error) {
      const detail = messageOf(error);
      this.#status = { state: 'unavailable', recordingId: null, detail, backend: null };
      this.#unavailableUntilMs = this.#deps.clock.now() + REPROBE_MS;
      if (!this.#unavailableLogged) this.#deps.logger.warn('screen capture unavailable', { detail });
      this.#unavailableLogged = true;
      return null;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
