import { resizeData } from './asciicast.ts';
import type { CastEvent, CastFrame, CastHeader } from './asciicast.ts';

export interface CastClock {
  /** Monotonic milliseconds (performance.now): event times must never jump with the wall clock. */
  monotonicMs(): number;
  /** Wall-clock milliseconds since the Unix epoch, for the header's `timestamp` only. */
  wallMs(): number;
}

export const systemCastClock: CastClock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
};

export interface CastRecorderOptions {
  readonly width: number;
  readonly height: number;
  readonly env: { readonly SHELL?: string | undefined; readonly TERM?: string | undefined };
  readonly title?: string | undefined;
  readonly recordInput: boolean;
  readonly clock: CastClock;
  readonly onEvent: (event: CastEvent) => void;
}

/**
 * Turns the bytes of a terminal session into asciicast v2 events. A PTY read may end in the middle of a
 * multi-byte UTF-8 sequence, so output and input each go through their own streaming decoder: the held
 * back bytes are joined with the next chunk instead of becoming U+FFFD. Only bytes that really are not
 * UTF-8 (the format stores text, not bytes) become U+FFFD.
 */
export class CastRecorder {
  private readonly options: CastRecorderOptions;
  private readonly outputDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private readonly inputDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private startMs = 0;
  private started = false;

  constructor(options: CastRecorderOptions) {
    this.options = options;
  }

  /** Emits the header and starts the clock; events are timed from this moment. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { width, height, env, title, clock } = this.options;
    this.startMs = clock.monotonicMs();
    const headerEnv: { SHELL?: string; TERM?: string } = {};
    if (env.SHELL !== undefined) headerEnv.SHELL = env.SHELL;
    if (env.TERM !== undefined) headerEnv.TERM = env.TERM;
    const header: CastHeader = {
      version: 2,
      width,
      height,
      timestamp: Math.floor(clock.wallMs() / 1000),
      env: headerEnv,
      ...(title === undefined ? {} : { title }),
    };
    this.options.onEvent(header);
  }

  output(bytes: Uint8Array): void {
    this.emitText('o', this.outputDecoder.decode(bytes, { stream: true }));
  }

  /** Recorded only when input recording is on (DESIGN.md §4: input is not recorded unless enabled). */
  input(bytes: Uint8Array): void {
    if (!this.options.recordInput) return;
    this.emitText('i', this.inputDecoder.decode(bytes, { stream: true }));
  }

  resize(cols: number, rows: number): void {
    this.emit('r', resizeData(cols, rows));
  }

  /** Flushes bytes held back by the decoders: a sequence cut off by the end of the session is U+FFFD. */
  finish(): void {
    this.emitText('o', this.outputDecoder.decode());
    if (this.options.recordInput) this.emitText('i', this.inputDecoder.decode());
  }

  private emitText(code: 'o' | 'i', text: string): void {
    // A chunk holding only the start of a sequence decodes to ''; asciicast has no use for empty events.
    if (text !== '') this.emit(code, text);
  }

  private emit(code: CastFrame[1], data: string): void {
    this.start();
    this.options.onEvent([this.elapsedSeconds(), code, data]);
  }

  /** Seconds with microsecond precision, as asciinema writes them. */
  private elapsedSeconds(): number {
    const elapsedMs = Math.max(0, this.options.clock.monotonicMs() - this.startMs);
    return Math.round(elapsedMs * 1000) / 1_000_000;
  }
}
