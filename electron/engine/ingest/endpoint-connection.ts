import type { Socket } from 'node:net';
import { toErrorBody } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import type { ClientKind } from '../../common/model/agent.ts';
import { PROTOCOL_VERSION } from '../../common/protocol/constants.ts';
import { helloFrameSchema, requestFrameSchema, terminalFrameSchema } from '../../common/protocol/frames.ts';
import type { ServerFrame } from '../../common/protocol/frames.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { EndpointCounters, EndpointHandler } from './endpoint-handler.ts';
import { parseEventFrame } from './event-frame.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';
import type { EndpointLimits } from './endpoint-limits.ts';
import { LineSplitter } from './line-splitter.ts';
import { TokenBucket } from './token-bucket.ts';

type RequestId = string | number | null;
type State =
  | { readonly phase: 'hello' }
  | { readonly phase: 'open'; readonly api: 'ingest' | 'control'; readonly client: ClientKind };

/** Refusals after which a client is not worth answering any more. */
const FATAL: ReadonlySet<ErrorCode> = new Set(['E_NOT_HELLO', 'E_PROTOCOL_VERSION']);

/**
 * One client connection: NDJSON frames in, frames out. Every bad frame is answered with a coded error
 * and the connection goes on; only a missing hello, a wrong protocol version or sustained flooding end it.
 */
export class EndpointConnection {
  readonly #socket: Socket;
  readonly #handler: EndpointHandler;
  readonly #limits: EndpointLimits;
  readonly #clock: Clock;
  readonly #counters: EndpointCounters;
  readonly #splitter: LineSplitter;
  readonly #bucket: TokenBucket;
  #state: State = { phase: 'hello' };
  #inFlight = 0;
  #rateLimited = 0;
  #pausedForAcks = false;
  #pausedForWrites = false;
  #closing = false;
  #helloTimer: NodeJS.Timeout | undefined;
  /** Answers of this turn, written together at its end. */
  #outbox: string[] = [];
  readonly #logger: Logger;

  constructor(
    socket: Socket,
    handler: EndpointHandler,
    limits: EndpointLimits,
    clock: Clock,
    counters: EndpointCounters,
    logger: Logger,
  ) {
    this.#socket = socket;
    this.#handler = handler;
    this.#logger = logger;
    this.#limits = limits;
    this.#clock = clock;
    this.#counters = counters;
    this.#splitter = new LineSplitter(limits.maxFrameBytes);
    this.#bucket = new TokenBucket(limits.framesPerSecond, limits.burst, clock.now());
    socket.on('data', (chunk: Buffer) => {
      if (this.#stopped()) return;
      for (const item of this.#splitter.push(chunk)) {
        if (item.kind === 'oversized')
          this.#reject(null, 'E_FRAME_TOO_LARGE', `a frame is limited to ${limits.maxFrameBytes} bytes`);
        else this.#onLine(item.line);
        if (this.#stopped()) return;
      }
    });
    socket.on('drain', () => {
      this.#pausedForWrites = false;
      this.#updateFlow();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A client vanishing mid-write is normal; nothing to do but forget it.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET')
        logger.warn('endpoint connection error', { code: error.code });
    });
    socket.on('close', () => {
      clearTimeout(this.#helloTimer);
      handler.disconnected(this);
    });
    this.#helloTimer = setTimeout(() => {
      if (this.#state.phase === 'hello') this.#reject(null, 'E_NOT_HELLO', 'no hello frame received in time', true);
    }, limits.helloTimeoutMs);
    this.#helloTimer.unref();
  }

  #stopped(): boolean {
    return this.#closing || this.#socket.destroyed;
  }

  #onLine(line: Buffer): void {
    if (!this.#bucket.take(this.#clock.now())) {
      this.#rateLimited += 1;
      const fatal = this.#rateLimited > this.#limits.maxRateLimited;
      this.#reject(idOf(line), 'E_RATE_LIMITED', `over ${this.#limits.framesPerSecond} frames/s: slow down`, fatal);
      return;
    }
    if (nestsDeeperThan(line)) {
      this.#reject(idOf(line), 'E_SCHEMA', `the frame nests deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(line.toString('utf8'));
    } catch {
      this.#reject(null, 'E_BAD_JSON', 'the frame is not valid JSON');
      return;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      this.#reject(null, 'E_SCHEMA', 'a frame is a JSON object');
      return;
    }
    const record = frame as Record<string, unknown>;
    const id = typeof record.id === 'string' || typeof record.id === 'number' ? record.id : null;
    const type = record.type;
    if (this.#state.phase === 'hello') {
      this.#onHello(id, record);
      return;
    }
    switch (type) {
      case 'event':
        this.#onEvent(id, record, line);
        return;
      case 'request':
        this.#onRequest(id, record);
        return;
      case 'terminal.open':
      case 'terminal.data':
      case 'terminal.close':
        this.#onTerminal(id, record);
        return;
      case 'hello':
        this.#reject(id, 'E_SCHEMA', 'hello was already received on this connection');
        return;
      default:
        this.#reject(id, 'E_UNKNOWN_TYPE', `unknown frame type ${describeType(type)}`);
    }
  }

  #onHello(id: RequestId, record: Record<string, unknown>): void {
    if (record.type !== 'hello') {
      this.#reject(id, 'E_NOT_HELLO', 'the first frame must be hello', true);
      return;
    }
    const hello = helloFrameSchema.safeParse(record);
    if (!hello.success) {
      this.#reject(id, 'E_SCHEMA', `invalid hello: ${firstIssue(hello.error.issues)}`, true);
      return;
    }
    if (hello.data.protocol !== PROTOCOL_VERSION) {
      this.#reject(
        id,
        'E_PROTOCOL_VERSION',
        `protocol ${hello.data.protocol} is not supported; this engine speaks ${PROTOCOL_VERSION}`,
        true,
      );
      return;
    }
    clearTimeout(this.#helloTimer);
    this.#state = { phase: 'open', api: hello.data.api, client: hello.data.client };
    this.#send({
      type: 'hello',
      id: hello.data.id,
      ok: true,
      protocol: PROTOCOL_VERSION,
      server: this.#handler.serverName,
    });
  }

  #onEvent(id: RequestId, record: Record<string, unknown>, line: Buffer): void {
    if (this.#state.phase !== 'open' || this.#state.api !== 'ingest') {
      this.#reject(id, 'E_WRONG_API', 'events are accepted on ingest connections only');
      return;
    }
    const parsed = parseEventFrame(record);
    if (!parsed.success) {
      this.#reject(id, 'E_SCHEMA', `invalid event frame: ${firstIssue(parsed.error.issues)}`);
      return;
    }
    const frameId = parsed.data.id;
    this.#inFlight += 1;
    this.#updateFlow();
    this.#handler.ingest(parsed.data.event, this.#state.client, { transport: 'socket-frame', bytes: line }).then(
      (ack) => {
        this.#settled();
        this.#send({ type: 'ack', id: frameId, ...ack });
      },
      (error: unknown) => {
        this.#settled();
        const body = toErrorBody(error);
        this.#reject(frameId, body.code, body.message);
      },
    );
  }

  #onTerminal(id: RequestId, record: Record<string, unknown>): void {
    if (this.#state.phase !== 'open' || this.#state.api !== 'ingest') {
      this.#reject(id, 'E_WRONG_API', 'terminal frames are accepted on ingest connections only');
      return;
    }
    const parsed = terminalFrameSchema.safeParse(record);
    if (!parsed.success) {
      this.#reject(id, 'E_SCHEMA', `invalid ${String(record.type)} frame: ${firstIssue(parsed.error.issues)}`);
      return;
    }
    const frameId = parsed.data.id;
    this.#inFlight += 1;
    this.#updateFlow();
    this.#handler.terminal(parsed.data, this).then(
      (value) => {
        this.#settled();
        this.#send({ type: 'result', id: frameId, value });
      },
      (error: unknown) => {
        this.#settled();
        const body = toErrorBody(error);
        this.#reject(frameId, body.code, body.message);
      },
    );
  }

  #onRequest(id: RequestId, record: Record<string, unknown>): void {
    if (this.#state.phase !== 'open' || this.#state.api !== 'control') {
      this.#reject(id, 'E_WRONG_API', 'requests are accepted on control connections only');
      return;
    }
    const parsed = requestFrameSchema.safeParse(record);
    if (!parsed.success) {
      this.#reject(id, 'E_SCHEMA', `invalid request frame: ${firstIssue(parsed.error.issues)}`);
      return;
    }
    const frameId = parsed.data.id;
    this.#handler.control(parsed.data.method, parsed.data.params ?? {}).then(
      (value) => {
        this.#send({ type: 'result', id: frameId, value });
      },
      (error: unknown) => {
        const body = toErrorBody(error);
        this.#reject(frameId, body.code, body.message);
      },
    );
  }

  #settled(): void {
    this.#inFlight -= 1;
    this.#updateFlow();
  }

  /** Backpressure: stop reading while too many acks are pending or the client is not reading its answers. */
  #updateFlow(): void {
    if (this.#inFlight >= this.#limits.maxInFlight) this.#pausedForAcks = true;
    else if (this.#inFlight <= this.#limits.maxInFlight / 2) this.#pausedForAcks = false;
    if (this.#socket.destroyed) return;
    if (this.#pausedForAcks || this.#pausedForWrites) this.#socket.pause();
    else this.#socket.resume();
  }

  #reject(id: RequestId, code: ErrorCode, message: string, close = false): void {
    this.#counters.rejectedFrames += 1;
    this.#send({ type: 'error', id, code, message });
    if (close || FATAL.has(code)) {
      this.#flushOutbox();
      // Said why; now stop reading this client at all (a flooder may still be sending megabytes).
      this.#closing = true;
      this.#socket.end(() => {
        this.#socket.destroy();
      });
    }
  }

  #send(frame: ServerFrame): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    let line: string;
    try {
      line = `${JSON.stringify(frame)}\n`;
    } catch (error) {
      // A result that cannot be serialized (it never should: input depth is bounded) is an error answer,
      // never an exception out of a socket callback, which would end the engine.
      this.#logger.error('could not serialize an answer', {
        error: error instanceof Error ? error.message : String(error),
      });
      line = `${JSON.stringify({ type: 'error', id: frame.id, code: 'E_INTERNAL', message: 'the answer could not be serialized' })}\n`;
    }
    // Answers settled in the same turn (a group commit acknowledges a whole batch at once) leave in one
    // write: one system call for the batch instead of one per event.
    this.#outbox.push(line);
    if (this.#outbox.length === 1)
      process.nextTick(() => {
        this.#flushOutbox();
      });
  }

  #flushOutbox(): void {
    if (this.#outbox.length === 0) return;
    const text = this.#outbox.length === 1 ? (this.#outbox[0] ?? '') : this.#outbox.join('');
    this.#outbox = [];
    if (this.#socket.destroyed || !this.#socket.writable) return;
    if (!this.#socket.write(text)) {
      this.#pausedForWrites = true;
      this.#updateFlow();
    }
  }
}

function firstIssue(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'schema violation';
  return issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;
}

/** A frame's `type` for an error message: bounded, and never a serialization of hostile structure. */
function describeType(type: unknown): string {
  return typeof type === 'string'
    ? JSON.stringify(type.slice(0, 64))
    : `of JSON type ${Array.isArray(type) ? 'array' : typeof type}`;
}

/** Best effort to echo a request id even for frames we refuse before parsing them fully. */
function idOf(line: Buffer): RequestId {
  const m = /"id"\s*:\s*("(?:[^"\\]|\\.){1,128}"|\d{1,15})/.exec(line.subarray(0, 4096).toString('utf8'));
  if (m?.[1] === undefined) return null;
  try {
    return JSON.parse(m[1]) as string | number;
  } catch {
    return null;
  }
}
