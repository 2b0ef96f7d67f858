import { EndpointClient } from '../../electron/engine/client/endpoint-client.ts';
import net from 'node:net';

/** A deliberately dumb socket client: writes raw bytes, collects every frame the engine sends back. */
export class RawClient {
  readonly frames: Record<string, unknown>[] = [];
  readonly socket: net.Socket;
  #buffer = '';
  #waiters: { pred: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }[] = [];
  closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) !== -1) {
        const frame = JSON.parse(this.#buffer.slice(0, nl)) as Record<string, unknown>;
        this.#buffer = this.#buffer.slice(nl + 1);
        this.frames.push(frame);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.pred(frame)) return true;
          w.resolve(frame);
          return false;
        });
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        resolve();
      }),
    );
  }

  static connect(socketPath: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath, () => {
        resolve(new RawClient(s));
      });
      s.once('error', reject);
    });
  }

  static async hello(socketPath: string, api: 'ingest' | 'control' = 'ingest'): Promise<RawClient> {
    const c = await RawClient.connect(socketPath);
    c.send({ type: 'hello', id: 'h', protocol: 1, client: 'test', api });
    await c.waitFor((f) => f.id === 'h');
    return c;
  }

  send(frame: unknown): void {
    this.socket.write(`${JSON.stringify(frame)}\n`);
  }

  write(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  waitFor(pred: (f: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const found = this.frames.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-3))}`));
      }, timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  close(): void {
    this.socket.end();
  }
}

let counter = 0;
/** A Claude Code-shaped payload for tests. */
export function hookPayload(
  sessionId: string,
  event: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  counter += 1;
  return {
    session_id: sessionId,
    transcript_path: '/tmp/t.jsonl',
    cwd: '/tmp',
    hook_event_name: event,
    n: counter,
    ...extra,
  };
}

/** A real protocol client as the tests' agent or CLI: the product's own EndpointClient. */
export function testClient(socketPath: string, api: 'ingest' | 'control', timeoutMs = 5000): Promise<EndpointClient> {
  return EndpointClient.connect({ socketPath, api, client: 'test', timeoutMs });
}

/** The `terminal.open` frame of an agent's terminal (claude in a bash, 80×24 unless said, input not recorded). */
export function terminalOpenFrame(
  id: string,
  terminalId: string,
  size: { readonly width: number; readonly height: number } = { width: 80, height: 24 },
): Record<string, unknown> {
  return {
    type: 'terminal.open',
    id,
    terminalId,
    agent: 'claude-code',
    command: ['claude'],
    width: size.width,
    height: size.height,
    timestamp: Math.floor(Date.now() / 1000),
    env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
    recordInput: false,
  };
}
