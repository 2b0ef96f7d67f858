import { ffmpegCandidates, runFfmpeg } from '../../../native/ffmpeg/locate-ffmpeg.ts';
import { mediaError } from '../../../native/ffmpeg/mp4-box.ts';
import { AevError } from '../../common/errors.ts';
import type { Clock } from '../runtime/clock.ts';
import { newId } from '../runtime/ids.ts';
import type { Logger } from '../runtime/logger.ts';
import type { CaptureControl, CaptureRunOrder, PageEnded, PagePart } from './chromium-protocol.ts';
import { MAX_PAGE_ERROR_CHARS } from './chromium-protocol.ts';
import { PageRunStream } from './chromium-run-stream.ts';
import type { RunOutput } from './chromium-run-stream.ts';
import type { CaptureRun, CaptureSink, ScreenSettings, ScreenSource } from './screen-source.ts';

export interface ChromiumCaptureDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The sealer's grid (SealService.boundaryAtOrAfter): the page puts a keyframe on each boundary. */
  readonly boundaryAtOrAfter: (ms: number) => number;
  /** A run that delivers nothing for this long has failed (default: one window plus 10 s). */
  readonly stallMs?: number;
  /** The largest part a page may send (default 16 MiB; a one-second 1080p fragment is ~100 KiB). */
  readonly maxPartBytes?: number;
}

interface PageRun {
  readonly order: CaptureRunOrder;
  readonly stream: PageRunStream;
  readonly sink: CaptureSink;
  readonly watchdog: NodeJS.Timeout;
  readonly finished: Promise<void>;
  readonly resolveFinished: () => void;
  /** The page that sent first for this run; every other page is refused. */
  pageId: string | null;
  lastHeardMs: number;
  stopping: boolean;
  done: boolean;
}

const DEFAULT_MAX_PART_BYTES = 16 * 1024 * 1024;
const WATCH_MS = 500;

/**
 * The Chromium capture backend (DESIGN.md §4), engine side. The engine decides when to record; this hub
 * turns each start into a run order the capture page picks up (`control`, `nextControl`, `onControl`), and
 * takes the page's fMP4 parts back (`part`, `ended`) through whichever transport carries them. Each run's
 * bytes are split and checked like ffmpeg's stdout, and handed to ScreenCapture unchanged: init, then
 * fragments with wall-clock times. A malformed stream, a page that reports an error, or silence longer
 * than `stallMs` ends the run as a failure, which ScreenCapture records as a `capture-failed` gap (I4).
 */
export class ChromiumCapture {
  readonly #deps: ChromiumCaptureDeps;
  readonly #maxPartBytes: number;
  readonly #runs = new Map<string, PageRun>();
  readonly #waiters = new Set<() => void>();
  readonly #listeners = new Set<(control: CaptureControl) => void>();
  #settings: ScreenSettings | null = null;
  #current: PageRun | null = null;
  #version = 0;
  #closed = false;

  constructor(deps: ChromiumCaptureDeps) {
    this.#deps = deps;
    this.#maxPartBytes = deps.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  /** ScreenCapture's `source` factory: this hub as the capture backend. */
  async source(settings: ScreenSettings): Promise<ScreenSource> {
    this.#settings = settings;
    // Stills from the video (when no grab is possible) need a decoder; recording itself needs no ffmpeg.
    const ffmpeg = await decodingFfmpeg(settings.env);
    return { backend: 'chromium', ffmpeg, start: (_phaseMs, sink) => this.#start(sink) };
  }

  control(): CaptureControl {
    return { version: this.#version, run: this.#current?.order ?? null };
  }

  /** The control after version `after`, as soon as there is one, or the current one after `timeoutMs`. */
  nextControl(after: number, timeoutMs: number): Promise<CaptureControl> {
    if (this.#version > after || this.#closed) return Promise.resolve(this.control());
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(this.control());
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Calls `listener` on every control change (transports that push, like a MessagePort). */
  onControl(listener: (control: CaptureControl) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Takes one part from a page. Throws E_NOT_RECORDING when the run is over or another page records it
   * (the page stops), E_MEDIA_FORMAT or E_FRAME_TOO_LARGE when the bytes are unusable (the run fails).
   */
  part(p: PagePart): void {
    const run = this.#claim(p.runId, p.pageId);
    let out: RunOutput[];
    try {
      if (p.bytes.byteLength > this.#maxPartBytes)
        throw new AevError('E_FRAME_TOO_LARGE', `a part of ${p.bytes.byteLength} bytes exceeds ${this.#maxPartBytes}`);
      out = run.stream.push(p.kind, p.wallMs, p.bytes, this.#deps.clock.now());
    } catch (error) {
      const e = error instanceof AevError ? error : mediaError(String(error));
      this.#fail(run, e.message);
      throw e;
    }
    run.lastHeardMs = this.#deps.clock.now();
    for (const o of out) {
      this.#toSink(run, () => {
        if (o.kind === 'init') run.sink.onInit(o.init);
        else run.sink.onFragment(o.fragment);
      });
    }
  }

  /** The page is done with a run: the end of a stop, or a failure in the page (its error goes on record). */
  ended(e: PageEnded): void {
    const run = this.#claim(e.runId, e.pageId);
    if (run.stopping && e.error === null) {
      this.#finish(run, true, 'stopped');
      return;
    }
    const what = e.error === null ? 'the page ended the recording by itself' : e.error;
    this.#fail(run, what.length > MAX_PAGE_ERROR_CHARS ? `${what.slice(0, MAX_PAGE_ERROR_CHARS)}…` : what);
  }

  /** The engine is stopping (after ScreenCapture stopped its run): pending long polls answer now. */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter();
    for (const run of [...this.#runs.values()]) this.#finish(run, true, 'engine stopping');
  }

  #start(sink: CaptureSink): CaptureRun {
    const s = this.#settings;
    if (s === null) throw new AevError('E_INTERNAL', 'the Chromium capture source was started before it was set up');
    const now = this.#deps.clock.now();
    const id = newId('cap', now);
    let resolveFinished: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    const run: PageRun = {
      order: {
        id,
        fps: s.fps,
        maxLongSide: s.maxLongSide,
        windowMs: s.windowMs,
        boundaryMs: this.#deps.boundaryAtOrAfter(now),
      },
      stream: new PageRunStream(now, this.#maxPartBytes),
      sink,
      watchdog: setInterval(() => {
        this.#watch(run);
      }, WATCH_MS),
      finished,
      resolveFinished,
      pageId: null,
      lastHeardMs: now,
      stopping: false,
      done: false,
    };
    run.watchdog.unref();
    if (this.#current !== null) this.#fail(this.#current, 'a new recording replaced it');
    this.#runs.set(id, run);
    this.#current = run;
    this.#publish();
    return { stop: (timeoutMs = 5000) => this.#stop(run, timeoutMs) };
  }

  /** Asks the page to stop; resolves once it sent its last fragment and said so, or after `timeoutMs`. */
  async #stop(run: PageRun, timeoutMs: number): Promise<void> {
    if (run.done) return;
    run.stopping = true;
    if (this.#current === run) {
      this.#current = null;
      this.#publish();
    }
    // A run no page has taken has nothing to deliver.
    if (run.pageId === null) {
      this.#finish(run, true, 'stopped before a page took it');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(true);
      }, timeoutMs);
    });
    const late = await Promise.race([run.finished.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.#deps.logger.warn('the capture page did not confirm the stop', { runId: run.order.id, timeoutMs });
      this.#finish(run, true, `the capture page did not confirm the stop within ${timeoutMs} ms`);
    }
  }

  #claim(runId: string, pageId: string): PageRun {
    const run = this.#runs.get(runId);
    if (run === undefined || run.done)
      throw new AevError('E_NOT_RECORDING', `run ${runId} is not recording (stopped, failed or unknown)`);
    run.pageId ??= pageId;
    if (run.pageId !== pageId) throw new AevError('E_NOT_RECORDING', `another capture page is recording run ${runId}`);
    return run;
  }

  #watch(run: PageRun): void {
    if (run.done || run.stopping) return;
    const stallMs = this.#deps.stallMs ?? run.order.windowMs + 10_000;
    if (this.#deps.clock.now() - run.lastHeardMs <= stallMs) return;
    const seconds = Math.round(stallMs / 1000);
    this.#fail(
      run,
      run.pageId === null
        ? `no capture page took the recording within ${seconds} s (is the capture page open?)`
        : `no video from the capture page for ${seconds} s`,
    );
  }

  #fail(run: PageRun, reason: string): void {
    if (run.done) return;
    this.#deps.logger.warn('Chromium capture run failed', { runId: run.order.id, reason });
    this.#finish(run, false, `Chromium capture page: ${reason}`);
  }

  #finish(run: PageRun, requested: boolean, reason: string): void {
    if (run.done) return;
    run.done = true;
    clearInterval(run.watchdog);
    this.#runs.delete(run.order.id);
    if (this.#current === run) {
      this.#current = null;
      this.#publish();
    }
    if (requested) {
      try {
        run.stream.end();
      } catch (error) {
        // What arrived whole is stored; a half-sent last fragment is lost with the page that sent it.
        this.#deps.logger.warn('the capture page stopped inside a fragment', {
          runId: run.order.id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    run.resolveFinished();
    this.#toSink(run, () => {
      run.sink.onExit({ requested, reason });
    });
  }

  #toSink(run: PageRun, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#deps.logger.error('the capture sink threw', {
        runId: run.order.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #publish(): void {
    this.#version += 1;
    for (const waiter of [...this.#waiters]) waiter();
    const control = this.control();
    for (const listener of this.#listeners) {
      try {
        listener(control);
      } catch (error) {
        this.#deps.logger.warn('a capture page link failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}

/** The first ffmpeg candidate (AEV_FFMPEG, ffmpeg-static, PATH) that runs; null when there is none. */
async function decodingFfmpeg(env: Readonly<Record<string, string | undefined>>): Promise<string | null> {
  for (const candidate of ffmpegCandidates(env)) {
    const run = await runFfmpeg(candidate.path, ['-hide_banner', '-version'], { timeoutMs: 5000, env });
    if (run.ran && run.code === 0) return candidate.path;
  }
  return null;
}
