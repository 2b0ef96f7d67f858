import { captureStill } from '../../../native/screen/capture-still.ts';
import { withTextChunk } from '../../../native/screen/png-text.ts';
import { isAevError } from '../../common/errors.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { MediaStore } from './media-store.ts';

export interface StillCaptureOptions {
  /** Where DISPLAY (and the worker's PATH) come from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** X display to grab (":1"); defaults to the DISPLAY in `env`. */
  readonly display?: string;
  /** The still worker is killed after this long. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** The grabber; tests of the bookkeeping may pass another. */
  readonly capture?: typeof captureStill;
  /**
   * When the grab is unavailable (no nut-js, no X11 still source): the frame of the screen recording at
   * that moment, or null when there is none.
   */
  readonly fromVideo?: (atMs: number) => Promise<{ png: Buffer; width: number; height: number } | null>;
  /** 'video': always take stills from the recording (for example where nut-js cannot grab). */
  readonly source?: 'grab' | 'video';
}

export interface StillStatus {
  readonly taken: number;
  readonly failed: number;
  /** Tool events that came while a still was being taken and got none. */
  readonly skipped: number;
  /** The last failure as "CODE: message"; null when none happened yet. */
  readonly lastError: string | null;
}

export type StillMoment = 'PreToolUse' | 'PostToolUse';

const DEFAULT_TIMEOUT_MS = 5000;
// PNG §11.3.4.2 predefined keyword: "Short (one line) title or caption for image".
const TITLE_KEYWORD = 'Title';

/**
 * Takes a still at each PreToolUse and PostToolUse (DESIGN.md §4): a full-resolution screen grab in an
 * isolated worker, with the focused window's title written into the PNG as an iTXt chunk, so the title
 * is encrypted with the pixels (I1) and appears nowhere in clear: not in the item's descriptor, not in a
 * log. One grab at a time: an event that comes while one runs is counted as skipped, never queued, so
 * a slow or stuck display cannot hold up ingest or pile up work (I7).
 */
export class StillCapture {
  readonly #media: MediaStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #capture: typeof captureStill;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #display: string | undefined;
  readonly #timeoutMs: number;
  readonly #loggedCodes = new Set<string>();
  readonly #fromVideo: StillCaptureOptions['fromVideo'];
  readonly #source: 'grab' | 'video';
  #inFlight: Promise<void> | null = null;
  #taken = 0;
  #failed = 0;
  #skipped = 0;
  #lastError: string | null = null;

  constructor(media: MediaStore, clock: Clock, logger: Logger, options: StillCaptureOptions) {
    this.#media = media;
    this.#clock = clock;
    this.#logger = logger;
    this.#capture = options.capture ?? captureStill;
    this.#env = options.env;
    this.#display = options.display;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fromVideo = options.fromVideo;
    this.#source = options.source ?? 'grab';
  }

  /** A tool event `eventSeq` of agent session `sessionId` was acknowledged. Never throws, never waits. */
  onToolEvent(sessionId: string, eventSeq: number, kind: StillMoment): void {
    if (this.#inFlight !== null) {
      this.#skipped += 1;
      return;
    }
    this.#inFlight = this.#take(sessionId, eventSeq, kind)
      .catch(() => undefined) // only a throwing logger gets here; the caller must never see it
      .finally(() => {
        this.#inFlight = null;
      });
  }

  /** Resolves when the still being taken (if any) is stored or has failed. */
  async flush(): Promise<void> {
    await this.#inFlight;
  }

  status(): StillStatus {
    return { taken: this.#taken, failed: this.#failed, skipped: this.#skipped, lastError: this.#lastError };
  }

  async #take(sessionId: string, eventSeq: number, kind: StillMoment): Promise<void> {
    // The grab happens somewhere between asking the worker and its answer; the item claims that interval.
    const askedMs = this.#clock.now();
    try {
      const result =
        this.#source === 'video'
          ? ({ ok: false, code: 'STILL_UNAVAILABLE', message: 'stills come from the video' } as const)
          : await this.#capture({
              timeoutMs: this.#timeoutMs,
              env: this.#env,
              ...(this.#display === undefined ? {} : { display: this.#display }),
            });
      if (!result.ok) {
        const frame = result.code === 'STILL_UNAVAILABLE' ? await this.#fromVideo?.(askedMs) : null;
        if (frame === null || frame === undefined) {
          this.#fail(result.code, result.message);
          return;
        }
        await this.#media.add(sessionId, {
          kind: 'still',
          bytes: frame.png,
          startMs: askedMs,
          endMs: askedMs,
          info: { event: eventSeq, at: kind, width: frame.width, height: frame.height, source: 'video' },
        });
        this.#taken += 1;
        return;
      }
      const answeredMs = Math.max(askedMs, this.#clock.now());
      const png =
        result.windowTitle === null ? result.png : withTextChunk(result.png, TITLE_KEYWORD, result.windowTitle);
      await this.#media.add(sessionId, {
        kind: 'still',
        bytes: png,
        startMs: askedMs,
        endMs: answeredMs,
        info: { event: eventSeq, at: kind, width: result.width, height: result.height },
      });
      this.#taken += 1;
    } catch (error) {
      // Storing failed (the session's chain is final, the disk is full…): the message never holds the title.
      this.#fail(isAevError(error) ? error.code : 'E_INTERNAL', error instanceof Error ? error.message : String(error));
    }
  }

  #fail(code: string, message: string): void {
    this.#failed += 1;
    this.#lastError = `${code}: ${message}`;
    if (this.#loggedCodes.has(code)) return;
    this.#loggedCodes.add(code);
    this.#logger.warn('no still taken', { code, message });
  }
}
