import { isCastHeader } from '../../../native/pty/asciicast.ts';
import type { CastEvent, CastHeader } from '../../../native/pty/asciicast.ts';
import { MAX_FRAME_BYTES } from '../../common/protocol/constants.ts';
import { CastBatcher } from './cast-batcher.ts';
import { IngestConnection } from './ingest-connection.ts';
import type { FrameAnswer } from './ingest-connection.ts';
import { closeFrameLine, DATA_ENVELOPE_BYTES, dataFrameLine, openFrameLine } from './terminal-frames.ts';
import type { TerminalDescription } from './terminal-frames.ts';

export interface StreamLimits {
  /** A batch is sent at the latest this long after its first event. */
  readonly flushIntervalMs: number;
  /** Largest terminal.data frame, in bytes; at most MAX_FRAME_BYTES. */
  readonly maxFrameBytes: number;
  /** Cast data held for the engine before output is dropped (with a marker) instead. */
  readonly maxBufferedBytes: number;
  /** Frames sent and not yet answered; more wait in the buffer. */
  readonly maxUnansweredFrames: number;
  /** Connect and hello. */
  readonly connectTimeoutMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  flushIntervalMs: 200,
  maxFrameBytes: 256 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxUnansweredFrames: 8,
  connectTimeoutMs: 3_000,
};

export interface TerminalStreamOptions {
  readonly socketPath: string;
  readonly terminal: TerminalDescription;
  /** One line for the person at the terminal (stderr), without the newline. */
  readonly warn: (line: string) => void;
  readonly limits?: Partial<StreamLimits>;
}

/** How the recording ended: the engine confirmed the close, recording had stopped before, or time ran out. */
export type StreamOutcome = 'confirmed' | 'not-recording' | 'unconfirmed';

export interface StreamExit {
  readonly exitCode: number;
  readonly signal?: number;
}

const START_THE_ENGINE = 'start the engine with `aev daemon`';

/**
 * Streams one terminal's cast events to the engine (docs/terminal-and-stills.md): terminal.open from
 * the cast header, terminal.data batches, terminal.close with the exit. It never holds the agent up
 * (invariant I7): `accept` only serializes and queues; connecting happens beside the running child; a
 * missing or failing engine ends the recording with one line on stderr and the agent runs on; memory is
 * bounded by dropping output, with a marker in the cast, when the engine falls far behind.
 */
export class TerminalStream {
  readonly #options: TerminalStreamOptions;
  readonly #limits: StreamLimits;
  readonly #batcher: CastBatcher;
  readonly #settled = Promise.withResolvers<undefined>();
  #state: 'idle' | 'connecting' | 'streaming' | 'stopped' = 'idle';
  #connection: IngestConnection | null = null;
  #header: CastHeader | undefined;
  #openSent = false;
  #exit: StreamExit | undefined;
  #closeId: string | undefined;
  #confirmed = false;
  readonly #unanswered = new Set<string>();
  #nextId = 1;
  #flushTimer: NodeJS.Timeout | null = null;
  #lastTime = 0;

  constructor(options: TerminalStreamOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
    if (this.#limits.maxFrameBytes > MAX_FRAME_BYTES) throw new RangeError('maxFrameBytes exceeds MAX_FRAME_BYTES');
    this.#batcher = new CastBatcher({
      maxBatchBytes: this.#limits.maxFrameBytes - DATA_ENVELOPE_BYTES,
      maxBufferedBytes: this.#limits.maxBufferedBytes,
    });
  }

  /** Starts connecting; events accepted meanwhile are buffered. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'connecting';
    IngestConnection.connect(this.#options.socketPath, this.#limits.connectTimeoutMs).then(
      (connection) => {
        if (this.#state !== 'connecting') {
          connection.destroy();
          return;
        }
        this.#connection = connection;
        connection.listen({
          onAnswer: (answer) => {
            this.#onAnswer(answer);
          },
          onLost: (reason) => {
            this.#stop(`${reason}; ${START_THE_ENGINE}`);
          },
        });
        this.#state = 'streaming';
        this.#pump();
      },
      (error: unknown) => {
        this.#stop(`${error instanceof Error ? error.message : String(error)}; ${START_THE_ENGINE}`);
      },
    );
  }

  /** A cast event from the PTY runner. Never throws and never waits. */
  accept(event: CastEvent): void {
    if (this.#state === 'stopped' || this.#exit !== undefined) return;
    if (isCastHeader(event)) {
      this.#header ??= event;
      this.#pump();
      return;
    }
    this.#lastTime = event[0];
    if (this.#batcher.add(event) === 'dropped-first') {
      this.#options.warn(
        `aev: the recorder is falling behind; terminal output is not recorded while ${size(this.#limits.maxBufferedBytes)} wait for it (the gap is marked in the recording)`,
      );
    }
    if (this.#batcher.readyCount > 0) this.#pump();
    if (this.#batcher.hasOpenBatch && this.#flushTimer === null) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = null;
        this.#batcher.cut();
        this.#pump();
      }, this.#limits.flushIntervalMs);
      // The child keeps the process alive while it runs; after it, `finish` flushes explicitly.
      this.#flushTimer.unref();
    }
  }

  /**
   * The child has exited: sends what is left and terminal.close, and waits at most `timeoutMs` for the
   * engine to confirm it. Says on stderr when the end could not be confirmed.
   */
  async finish(exit: StreamExit, timeoutMs: number): Promise<StreamOutcome> {
    this.#clearFlushTimer();
    if (this.#state === 'stopped' || this.#state === 'idle') return 'not-recording';
    this.#batcher.finish(this.#lastTime);
    this.#exit = exit;
    this.#pump();
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.#settled.promise, timedOut]);
    clearTimeout(deadline);
    if (this.#confirmed) return 'confirmed';
    if (this.#isStopped()) return 'not-recording';
    this.#options.warn(
      `aev: the engine did not confirm the end of this terminal within ${timeoutMs / 1000} s; its last output may be missing from the recording`,
    );
    this.#stop(null);
    return 'unconfirmed';
  }

  /** The command could not be started: nothing was opened, nothing is said. */
  abandon(): void {
    this.#stop(null);
  }

  /** Sends what may be sent: terminal.open first, then batches, then terminal.close, within the window. */
  #pump(): void {
    const connection = this.#connection;
    if (this.#state !== 'streaming' || connection === null) return;
    const { terminal } = this.#options;
    while (this.#unanswered.size < this.#limits.maxUnansweredFrames) {
      const id = String(this.#nextId);
      let line: string;
      if (!this.#openSent) {
        if (this.#header === undefined) return;
        line = openFrameLine(id, terminal, this.#header);
        this.#openSent = true;
      } else {
        const batch = this.#batcher.take();
        if (batch !== undefined) {
          line = dataFrameLine(id, terminal.terminalId, batch);
        } else if (this.#exit !== undefined && this.#closeId === undefined) {
          line = closeFrameLine(id, terminal.terminalId, this.#exit.exitCode, this.#exit.signal);
          this.#closeId = id;
        } else {
          return;
        }
      }
      this.#nextId += 1;
      this.#unanswered.add(id);
      connection.send(line);
    }
  }

  #onAnswer(answer: FrameAnswer): void {
    if (!answer.ok) {
      this.#stop(`the engine refused it: ${answer.message} [${answer.code}]`);
      return;
    }
    if (!this.#unanswered.delete(answer.id)) return;
    if (answer.id === this.#closeId) {
      this.#confirmed = true;
      this.#state = 'stopped';
      this.#connection?.close();
      this.#connection = null;
      this.#settled.resolve(undefined);
      return;
    }
    this.#pump();
  }

  /** Ends the recording for good; `reason` (when given) is said once on stderr. */
  #stop(reason: string | null): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#clearFlushTimer();
    this.#batcher.clear();
    this.#connection?.destroy();
    this.#connection = null;
    if (reason !== null) this.#options.warn(`aev: not recording this terminal: ${reason}`);
    this.#settled.resolve(undefined);
  }

  /** A method, not a field test: the state changes while `finish` awaits, which narrowing cannot see. */
  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  #clearFlushTimer(): void {
    if (this.#flushTimer === null) return;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
