import net from 'node:net';
import { checkSocketIsOurs } from '../../engine/client/socket-owner.ts';
import { PROTOCOL_VERSION } from '../../common/protocol/constants.ts';

/** The engine's answer to one frame: `result` (durable) or `error` (refused). */
export type FrameAnswer =
  | { readonly ok: true; readonly id: string; readonly value: unknown }
  | { readonly ok: false; readonly id: string | null; readonly code: string; readonly message: string };

export interface IngestConnectionHandlers {
  readonly onAnswer: (answer: FrameAnswer) => void;
  /** The connection ended without `close()` being called; `reason` is one short clause. */
  readonly onLost: (reason: string) => void;
}

/** An engine answer line longer than this is not one of ours: the connection is dropped. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const HELLO_ID = '0';

/**
 * An ingest connection for `aev run` (docs/protocol.md): hello as client "run", then frames written as
 * whole lines whose answers are reported as they come. Unlike EndpointClient it does not wait for each
 * answer, so the terminal stream can keep several frames in flight; the caller bounds how many.
 */
export class IngestConnection {
  readonly #socket: net.Socket;
  #handlers: IngestConnectionHandlers | null = null;
  #buffer = '';
  #closing = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
  }

  /** Connects and says hello; rejects with a one-clause reason (an Error's message) within `timeoutMs`. */
  static connect(socketPath: string, timeoutMs: number): Promise<IngestConnection> {
    try {
      checkSocketIsOurs(socketPath);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      const connection = new IngestConnection(socket);
      let settled = false;
      const fail = (reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(reason));
      };
      const timer = setTimeout(() => {
        fail(`the engine at ${socketPath} did not answer within ${timeoutMs} ms`);
      }, timeoutMs);
      socket.setEncoding('utf8');
      socket.once('connect', () => {
        socket.write(
          `${JSON.stringify({ type: 'hello', id: HELLO_ID, protocol: PROTOCOL_VERSION, client: 'run', api: 'ingest' })}\n`,
        );
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (!settled) fail(connectFailure(socketPath, error));
        else connection.#lost(`the connection to the engine failed (${error.code ?? error.message})`);
      });
      socket.on('close', () => {
        if (!settled) fail('the engine closed the connection before answering hello');
        else connection.#lost('the engine closed the connection');
      });
      socket.on('data', (chunk: string) => {
        connection.#read(chunk, (frame) => {
          if (settled) return false;
          if (frame.type === 'hello' && frame.id === HELLO_ID && frame.ok === true) {
            settled = true;
            clearTimeout(timer);
            resolve(connection);
          } else if (frame.type === 'error') {
            fail(`the engine refused the connection: ${describeError(frame)}`);
          }
          return true;
        });
      });
    });
  }

  /** Where answers go from now on; answers that arrive before this is called are not expected. */
  listen(handlers: IngestConnectionHandlers): void {
    this.#handlers = handlers;
  }

  /** Writes one frame; `line` is a JSON object without the newline. */
  send(line: string): void {
    if (this.#closing || this.#socket.destroyed) return;
    this.#socket.write(`${line}\n`);
  }

  /** Ends the connection after what was written; no `onLost` follows. */
  close(): void {
    this.#closing = true;
    this.#socket.end();
    // A peer that never closes its side must not keep this process alive.
    this.#socket.unref();
  }

  /** Drops the connection at once; no `onLost` follows. */
  destroy(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  #lost(reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#socket.destroy();
    this.#handlers?.onLost(reason);
  }

  /** Splits `chunk` into lines; each JSON object goes to `early` until it returns false, then to the handlers. */
  #read(chunk: string, early: (frame: Record<string, unknown>) => boolean): void {
    this.#buffer += chunk;
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) !== -1) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      const frame = parseObject(line);
      if (frame === undefined || early(frame)) continue;
      const answer = toAnswer(frame);
      if (answer !== undefined) this.#handlers?.onAnswer(answer);
    }
    if (this.#buffer.length > MAX_ANSWER_BYTES) this.#lost('the engine sent an answer too long to be one');
  }
}

function connectFailure(socketPath: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `no engine is listening at ${socketPath}`;
    case 'ECONNREFUSED':
      return `the engine at ${socketPath} refuses connections (not running?)`;
    case 'EACCES':
      return `no permission to connect to ${socketPath}`;
    default:
      return `cannot connect to ${socketPath} (${error.code ?? error.message})`;
  }
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function toAnswer(frame: Record<string, unknown>): FrameAnswer | undefined {
  const id = typeof frame.id === 'string' ? frame.id : typeof frame.id === 'number' ? String(frame.id) : null;
  if (frame.type === 'result' && id !== null) return { ok: true, id, value: frame.value };
  if (frame.type === 'error') {
    return {
      ok: false,
      id,
      code: typeof frame.code === 'string' ? frame.code : 'E_INTERNAL',
      message: typeof frame.message === 'string' ? frame.message : 'engine error',
    };
  }
  return undefined;
}

function describeError(frame: Record<string, unknown>): string {
  const message = typeof frame.message === 'string' ? frame.message : 'no reason given';
  return typeof frame.code === 'string' ? `${message} [${frame.code}]` : message;
}
