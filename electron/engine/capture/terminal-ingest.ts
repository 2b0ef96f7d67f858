import { AevError } from '../../common/errors.ts';
import type { TerminalFrame, TerminalOpenFrame } from '../../common/protocol/frames.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { MediaRedaction } from '../redact/media-redaction.ts';
import type { CaptureSessions } from './capture-sessions.ts';
import type { MediaStore } from './media-store.ts';

interface OpenTerminal {
  readonly sessionId: string;
  readonly owner: object;
  /** Wall clock (ms) of cast time 0: when the engine received terminal.open. */
  readonly anchorMs: number;
  /** Frames of one terminal are stored strictly in order: each waits for the previous one. */
  tail: Promise<unknown>;
  lastT: number;
  /** terminal.close was received: nothing may follow it. */
  closing: boolean;
}

/**
 * The engine side of `aev run` (DESIGN.md §4 Terminal): each terminal is a session of kind "terminal"
 * whose media are asciicast v2 chunks: the header line first, then the event lines of each
 * terminal.data frame, so the chunks concatenated in seq order are a playable .cast file. The exit
 * status is sealed too, as a final "m" (marker) event. Answers only once stored (invariant I7).
 */
export class TerminalIngest {
  readonly #open = new Map<string, OpenTerminal>();
  readonly #sessions: CaptureSessions;
  readonly #media: MediaStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #redaction: MediaRedaction | undefined;

  /**
   * `redaction` applies to the header (the command line and title, where `aev run -- tool --token X`
   * would put a secret), not to the output stream: see docs/redaction.md for why output is not redacted.
   */
  constructor(sessions: CaptureSessions, media: MediaStore, clock: Clock, logger: Logger, redaction?: MediaRedaction) {
    this.#sessions = sessions;
    this.#media = media;
    this.#clock = clock;
    this.#logger = logger;
    this.#redaction = redaction;
  }

  /** `owner` identifies the connection: only it may write to the terminal it opened. */
  handle(frame: TerminalFrame, owner: object): Promise<unknown> {
    if (frame.type === 'terminal.open') return this.#openTerminal(frame, owner);
    const t = this.#open.get(frame.terminalId);
    if (t?.owner !== owner)
      return Promise.reject(new AevError('E_NOT_FOUND', `terminal ${frame.terminalId} is not open on this connection`));
    if (t.closing)
      return Promise.reject(new AevError('E_SCHEMA', `terminal ${frame.terminalId} was closed: nothing may follow`));
    if (frame.type === 'terminal.close') t.closing = true;
    else if (!nonDecreasing(frame.events.map((e) => e[0])))
      return Promise.reject(new AevError('E_SCHEMA', 'cast event times must not go backwards'));
    const next = t.tail.then(async () => {
      if (frame.type === 'terminal.data') {
        const events = frame.events;
        const firstT = events[0]?.[0] ?? 0;
        const lastT = events.at(-1)?.[0] ?? firstT;
        if (firstT < t.lastT) throw new AevError('E_SCHEMA', 'cast event times must not go backwards');
        const bytes = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
        const stored = await this.#media.add(t.sessionId, {
          kind: 'terminal',
          bytes,
          startMs: t.anchorMs + firstT * 1000,
          endMs: t.anchorMs + lastT * 1000,
          info: { events: events.length, firstT, lastT },
        });
        t.lastT = lastT; // only once stored: a refused frame does not move the terminal's clock
        return { terminalId: frame.terminalId, sessionId: t.sessionId, media: stored.seq };
      }
      const atT = Math.max(t.lastT, (this.#clock.now() - t.anchorMs) / 1000);
      const exit = frame.signal === undefined ? `exit ${frame.exitCode}` : `signal ${frame.signal}`;
      const bytes = Buffer.from(`${JSON.stringify([atT, 'm', exit])}\n`, 'utf8');
      const at = t.anchorMs + atT * 1000;
      await this.#media.add(t.sessionId, {
        kind: 'terminal',
        bytes,
        startMs: at,
        endMs: at,
        info: { events: 1, exit },
      });
      this.#finish(frame.terminalId, 'exited');
      return { terminalId: frame.terminalId, sessionId: t.sessionId, closed: true };
    });
    t.tail = next.catch(() => undefined);
    return next;
  }

  /** The connection went away: its terminals end (the chain's final record says so). */
  disconnected(owner: object): void {
    for (const [id, t] of this.#open) {
      if (t.owner !== owner) continue;
      void t.tail.then(() => {
        if (this.#open.get(id) === t) this.#finish(id, 'disconnected');
      });
    }
  }

  /** Ends every open terminal (engine stopping). */
  async stopAll(): Promise<void> {
    const open = [...this.#open];
    await Promise.all(open.map(([, t]) => t.tail));
    for (const [id] of open) this.#finish(id, 'daemon-stopped');
  }

  async #openTerminal(frame: TerminalOpenFrame, owner: object): Promise<unknown> {
    if (this.#open.has(frame.terminalId))
      throw new AevError('E_SCHEMA', `terminal ${frame.terminalId} is already open`);
    const anchorMs = this.#clock.now();
    const sessionId = this.#sessions.open('terminal', frame.agent, frame.terminalId, anchorMs);
    const t: OpenTerminal = { sessionId, owner, anchorMs, tail: Promise.resolve(), lastT: 0, closing: false };
    this.#open.set(frame.terminalId, t);
    // The asciicast v2 header (docs.asciinema.org/manual/asciicast/v2): the official recorder's fields.
    const asSent = {
      version: 2,
      width: frame.width,
      height: frame.height,
      timestamp: frame.timestamp,
      command: frame.command.map(shellQuote).join(' '),
      env: frame.env,
      ...(frame.title === undefined ? {} : { title: frame.title }),
    };
    const redacted = this.#redaction?.json(asSent);
    const header = redacted?.value ?? asSent;
    const next = this.#media
      .add(sessionId, {
        kind: 'terminal',
        bytes: Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'),
        startMs: anchorMs,
        endMs: anchorMs,
        info: {
          header: true,
          width: frame.width,
          height: frame.height,
          recordInput: frame.recordInput,
          ...(redacted === undefined || redacted.info === null ? {} : { redactions: redacted.info }),
        },
      })
      .then(() => ({ terminalId: frame.terminalId, sessionId }));
    t.tail = next.catch(() => undefined);
    this.#logger.info('terminal opened', { sessionId, terminalId: frame.terminalId, agent: frame.agent });
    return next;
  }

  #finish(terminalId: string, reason: 'exited' | 'disconnected' | 'daemon-stopped'): void {
    const t = this.#open.get(terminalId);
    if (t === undefined) return;
    this.#open.delete(terminalId);
    this.#sessions.end(t.sessionId, reason, this.#clock.now());
    this.#logger.info('terminal ended', { sessionId: t.sessionId, terminalId, reason });
  }
}

function nonDecreasing(times: readonly number[]): boolean {
  return times.every((time, i) => i === 0 || time >= (times[i - 1] ?? 0));
}

/** POSIX shell quoting for the header's informational `command` string. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
