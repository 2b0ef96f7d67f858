import net from 'node:net';
import { checkSocketIsOurs } from './socket-owner.ts';
import { AevError, isErrorCode } from '../../common/errors.ts';
import type { ClientKind } from '../../common/model/agent.ts';
import { PROTOCOL_VERSION } from '../../common/protocol/constants.ts';
import type { AckFrame, IngestEvent } from '../../common/protocol/frames.ts';

interface Pending {
  readonly resolve: (frame: Record<string, unknown>) => void;
  readonly reject: (error: AevError) => void;
}

export interface ConnectOptions {
  readonly socketPath: string;
  readonly api: 'ingest' | 'control';
  readonly client: ClientKind;
  readonly timeoutMs: number;
}

/**
 * A client of the local endpoint. Deliberately light (node:net only, no zod): `aev hook` runs it on
 * every tool call. Every wait is bounded so an agent is never hung by a stuck engine.
 */
export class EndpointClient {
  readonly #socket: net.Socket;
  readonly #pending = new Map<string, Pending>();
  #nextId = 1;
  #buffer = '';
  #closedError: AevError | null = null;
  /** The hello's answer (set by `open`, before any other call). */
  #ready: Promise<unknown> = Promise.resolve();

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#onData(chunk);
    });
    const fail = (error: AevError): void => {
      this.#closedError ??= error;
      for (const p of this.#pending.values()) p.reject(this.#closedError);
      this.#pending.clear();
    };
    socket.on('error', (e: NodeJS.ErrnoException) => {
      fail(new AevError('E_DAEMON_UNREACHABLE', `connection to the engine failed: ${e.code ?? e.message}`));
    });
    socket.on('close', () => {
      fail(new AevError('E_DAEMON_UNREACHABLE', 'the engine closed the connection'));
    });
  }

  /** Connects and waits for the engine's answer to hello: a refused hello is the error thrown here. */
  static async connect(opts: ConnectOptions): Promise<EndpointClient> {
    const client = await EndpointClient.open(opts);
    try {
      await client.#ready;
    } catch (error) {
      client.#socket.destroy();
      throw error;
    }
    return client;
  }

  /**
   * Connects and sends hello without waiting for its answer, so the first request leaves in the same
   * round trip (`aev hook` saves one round trip per tool call). The engine reads a connection's lines in
   * order and switches to the hello's API before it reads the next line (docs/protocol.md), so frames
   * sent now are answered as after a completed hello; if the hello is refused, every call made on this
   * client fails with the hello's error.
   */
  static async open(opts: ConnectOptions): Promise<EndpointClient> {
    checkSocketIsOurs(opts.socketPath);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(opts.socketPath);
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          new AevError('E_TIMEOUT', `no answer from the engine at ${opts.socketPath} within ${opts.timeoutMs} ms`),
        );
      }, opts.timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? ' (is `aev daemon` or the app running?)' : '';
        reject(
          new AevError(
            'E_DAEMON_UNREACHABLE',
            `cannot reach the engine at ${opts.socketPath}: ${e.code ?? e.message}${hint}`,
          ),
        );
      });
    });
    const client = new EndpointClient(socket);
    client.#ready = client.#call(
      { type: 'hello', protocol: PROTOCOL_VERSION, client: opts.client, api: opts.api },
      opts.timeoutMs,
    );
    // Observed by every later call; this keeps a refusal nobody waited for from being unhandled.
    client.#ready.catch(() => undefined);
    return client;
  }

  async sendEvent(event: IngestEvent, timeoutMs: number): Promise<AckFrame> {
    const frame = await this.#afterHello(this.#call({ type: 'event', event }, timeoutMs));
    return frame as unknown as AckFrame;
  }

  async request(method: string, params: Readonly<Record<string, unknown>>, timeoutMs: number): Promise<unknown> {
    const frame = await this.#afterHello(this.#call({ type: 'request', method, params }, timeoutMs));
    return frame.value;
  }

  close(): void {
    this.#socket.end();
  }

  /** The answer to a call, or the hello's refusal when the hello (sent first) was refused. */
  async #afterHello(call: Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    call.catch(() => undefined);
    await this.#ready;
    return await call;
  }

  #call(frame: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.#closedError !== null) return Promise.reject(this.#closedError);
    const id = String(this.#nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AevError('E_TIMEOUT', `the engine did not answer within ${timeoutMs} ms`));
        // An engine that does not answer may not close its end either: a half-closed socket would keep
        // the caller's process alive (an agent's hook must never hang), so the connection goes now.
        this.#socket.destroy();
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#socket.write(`${JSON.stringify({ ...frame, id })}\n`);
    });
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) !== -1) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const id = typeof frame.id === 'string' ? frame.id : null;
      const pending = id === null ? undefined : this.#pending.get(id);
      if (frame.type === 'error') {
        const code = isErrorCode(frame.code) ? frame.code : 'E_INTERNAL';
        const error = new AevError(code, typeof frame.message === 'string' ? frame.message : 'engine error');
        if (pending !== undefined && id !== null) {
          this.#pending.delete(id);
          pending.reject(error);
        } else if (id === null) {
          // An error about no particular frame (e.g. too many connections): it concerns every waiter.
          for (const p of this.#pending.values()) p.reject(error);
          this.#pending.clear();
        }
        continue;
      }
      if (pending !== undefined && id !== null) {
        this.#pending.delete(id);
        pending.resolve(frame);
      }
    }
  }
}
