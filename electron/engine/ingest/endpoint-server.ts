import fs from 'node:fs';
import net from 'node:net';
import { AevError } from '../../common/errors.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { ensurePrivateDir } from '../runtime/private-dir.ts';
import { EndpointConnection } from './endpoint-connection.ts';
import type { EndpointCounters, EndpointHandler } from './endpoint-handler.ts';
import type { EndpointLimits } from './endpoint-limits.ts';

/** How long a refused connection may take to read its refusal before it is cut. */
const REFUSED_LINGER_MS = 1000;

/**
 * The local endpoint: a Unix socket (0600 inside a 0700 folder) on macOS and Linux, a per-user named
 * pipe on Windows. Only the user who runs the engine can connect.
 */
export class EndpointServer {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #path: string;
  readonly counters: EndpointCounters = { connections: 0, rejectedFrames: 0 };

  constructor(socketPath: string, handler: EndpointHandler, limits: EndpointLimits, clock: Clock, logger: Logger) {
    this.#path = socketPath;
    this.#server = net.createServer({ pauseOnConnect: false }, (socket) => {
      if (this.#sockets.size >= limits.maxConnections) {
        // Say why, then close for good: a refused client that vanishes (EPIPE) must not take the engine
        // down, and one that keeps sending must not hold its descriptor open (nothing reads it).
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        socket.end(
          `${JSON.stringify({ type: 'error', id: null, code: 'E_TOO_MANY_CONNECTIONS', message: `at most ${limits.maxConnections} connections` })}\n`,
          () => socket.destroy(),
        );
        setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
        this.counters.rejectedFrames += 1;
        return;
      }
      this.#sockets.add(socket);
      this.counters.connections = this.#sockets.size;
      socket.on('close', () => {
        this.#sockets.delete(socket);
        this.counters.connections = this.#sockets.size;
      });
      new EndpointConnection(socket, handler, limits, clock, this.counters, logger);
    });
    this.#server.maxConnections = limits.maxConnections * 2;
  }

  async listen(runtimeDir: string): Promise<void> {
    if (process.platform !== 'win32') {
      ensurePrivateDir(runtimeDir);
      await removeStaleSocket(this.#path);
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          new AevError(
            'E_IO',
            `cannot listen on ${this.#path}: ${error.code ?? error.message}`,
            { path: this.#path },
            { cause: error },
          ),
        );
      });
      this.#server.listen(this.#path, () => {
        resolve();
      });
    });
    // The folder is already 0700; the socket itself is narrowed too, belt and braces.
    if (process.platform !== 'win32') fs.chmodSync(this.#path, 0o600);
  }

  /** Stops accepting new connections; existing ones keep being served until `closeConnections`. */
  stopAccepting(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  /** Ends every connection after what was written to it is flushed; stragglers are cut after 2 s. */
  async closeConnections(): Promise<void> {
    const open = [...this.#sockets];
    const ended = open.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.once('close', () => {
            resolve();
          });
          s.end();
        }),
    );
    const timer = setTimeout(() => {
      for (const s of open) s.destroy();
    }, 2000);
    await Promise.all(ended);
    clearTimeout(timer);
  }
}

/**
 * A socket file left by a crashed daemon refuses connections; one that answers belongs to a live engine
 * (the lock file should have said so first, so this is a last line of defence).
 */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch {
    return;
  }
  if (!st.isSocket())
    throw new AevError('E_PERMISSIONS', `${socketPath} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      resolve(false);
    });
  });
  if (alive) throw new AevError('E_DAEMON_LOCKED', `another engine is already listening on ${socketPath}`);
  fs.unlinkSync(socketPath);
}
