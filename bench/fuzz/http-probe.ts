import net from 'node:net';

export interface HttpChunk {
  readonly bytes: Buffer;
  /** Wait this long before writing the chunk (slow clients). */
  readonly delayMs?: number;
}

export interface HttpExchange {
  /** Status codes of the responses read, in order (pipelined requests get several). */
  readonly statuses: number[];
  /** The engine's error codes found in the response bodies. */
  readonly codes: string[];
  /** The engine closed the connection (as opposed to us giving up at the bound). */
  readonly closedByServer: boolean;
  readonly ms: number;
  readonly error: string | null;
}

/**
 * Raw HTTP/1.1 over TCP, so requests can be as broken as we like: writes the chunks (with their
 * delays), then reads until the engine closes the connection or `boundMs` has passed since the start.
 */
export function httpExchange(port: number, chunks: readonly HttpChunk[], boundMs: number): Promise<HttpExchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let error: string | null = null;
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      const codes = [...text.matchAll(/"code":"(E_[A-Z_]+)"/g)].map((m) => m[1] ?? '');
      resolve({ statuses, codes, closedByServer, ms: performance.now() - started, error });
    };
    const timer = setTimeout(() => {
      finish(false);
    }, boundMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      finish(true);
    });
    socket.once('connect', () => {
      void (async () => {
        for (const c of chunks) {
          if (c.delayMs !== undefined && c.delayMs > 0) await new Promise((r) => setTimeout(r, c.delayMs));
          if (done || socket.destroyed) return;
          socket.write(c.bytes);
        }
      })();
    });
  });
}
