import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AevError, isAevError } from '../../common/errors.ts';
import { isAppMethod, MAX_DROPPED_BUNDLE_BASE64 } from '../../common/ipc/app-api.ts';
import { createAppHostContext, socketControl } from '../../engine/app-host/app-host-context.ts';
import type { AppHostContext } from '../../engine/app-host/app-host-context.ts';
import { serveAppCall } from '../../engine/app-host/serve-app-call.ts';
import { APP_CSP } from '../../engine/host/app-assets.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';
import { runtimePaths } from '../../engine/runtime/data-root.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';

const USAGE = 'usage: aev ui [--port N] [--dir DIST_RENDERER]';
const MAX_BODY_BYTES = 64 * 1024;
// A bundle dropped into the page comes in its call, base64; everything else is small.
const MAX_VERIFY_BODY_BYTES = MAX_DROPPED_BUNDLE_BASE64 + MAX_BODY_BYTES;
// Three folders up is the project root when run from source, or dist/ when run from the tsc build.
const UP = fileURLToPath(new URL('../../..', import.meta.url));
const DEFAULT_DIR = path.basename(UP) === 'dist' ? path.join(UP, 'renderer') : path.join(UP, 'dist/renderer');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

export interface UiBridgeOptions {
  /** Serves the app API: the engine's control socket plus in-process export, verify, settings and hooks. */
  readonly app: AppHostContext;
  /** 0 picks a free port. */
  readonly port: number;
  /** The built renderer (vite build output). */
  readonly staticDir: string;
}

export interface UiBridge {
  readonly port: number;
  /** Per-start secret; the page reads it from its URL and sends it as a Bearer token. */
  readonly token: string;
  /** The address to open, token included. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A loopback bridge for development and UI tests: the renderer in an ordinary browser, talking to the
 * engine's control API the way Electron main will over IPC. Guarded like the hooks endpoint
 * (docs/protocol.md, "Loopback HTTP"): bound to 127.0.0.1, Host must name it (DNS rebinding), an Origin
 * other than the page's own is refused (other sites in the same browser), and every API call carries the
 * random per-start token (other local users cannot read it, so cannot call).
 */
export async function startUiBridge(opts: UiBridgeOptions): Promise<UiBridge> {
  const token = randomBytes(24).toString('base64url');
  const server = http.createServer((req, res) => {
    void handle(req, res, opts, token, (server.address() as AddressInfo).port);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: UiBridgeOptions,
  token: string,
  port: number,
): Promise<void> {
  const origins = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!origins.includes(req.headers.host ?? '')) {
    refuse(res, 403, 'E_UNAUTHORIZED', 'wrong Host');
    return;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.some((o) => origin === `http://${o}`)) {
    refuse(res, 403, 'E_UNAUTHORIZED', 'cross-origin request');
    return;
  }
  const url = new URL(req.url ?? '/', `http://${origins[0] ?? ''}`);
  if (url.pathname.startsWith('/api/')) {
    if (req.method !== 'POST') {
      refuse(res, 405, 'E_USAGE', 'POST only');
      return;
    }
    if (!tokenMatches(req.headers.authorization, token)) {
      refuse(res, 401, 'E_UNAUTHORIZED', 'bad token');
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    if (!isAppMethod(method)) {
      refuse(res, 404, 'E_UNKNOWN_METHOD', `unknown method ${method}`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, method === 'startVerify' ? MAX_VERIFY_BODY_BYTES : MAX_BODY_BYTES));
    } catch (error) {
      if (isAevError(error)) {
        // Answer, then drop the connection: the rest of the body is never read.
        res.setHeader('connection', 'close');
        res.once('finish', () => req.destroy());
        refuse(res, 413, error.code, error.message);
        return;
      }
      refuse(res, 400, 'E_BAD_JSON', 'the body is not JSON');
      return;
    }
    sendJson(res, 200, await serveAppCall(method, body, opts.app));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    refuse(res, 405, 'E_USAGE', 'GET only');
    return;
  }
  serveStatic(res, opts.staticDir, url.pathname);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') === true ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new AevError('E_FRAME_TOO_LARGE', `this call's body is limited to ${limit} bytes`));
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(parts).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function serveStatic(res: http.ServerResponse, dir: string, pathname: string): void {
  const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  const file = path.resolve(dir, rel);
  // Never outside the build folder, whatever `..` or encoded separators the path holds.
  if (!file.startsWith(path.resolve(dir) + path.sep)) {
    refuse(res, 404, 'E_NOT_FOUND', 'not found');
    return;
  }
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    refuse(res, 404, 'E_NOT_FOUND', 'not found');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-security-policy': APP_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(data);
}

function refuse(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, code, message });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** `aev ui [--port N]`: serve the built renderer on 127.0.0.1 until interrupted. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, dir: { type: 'string' } },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new AevError('E_USAGE', USAGE);
  const staticDir = path.resolve(io.cwd, values.dir ?? DEFAULT_DIR);
  if (!fs.existsSync(path.join(staticDir, 'index.html')))
    throw new AevError('E_CONFIG', `no built renderer in ${staticDir}: run npm run build:renderer`);
  // The vault is opened here only for exports and a new recovery passphrase, as `aev export` would.
  const env = await engineEnv(io);
  const app = createAppHostContext({
    control: socketControl(runtimePaths(env.dataRoot).socketPath),
    dataRoot: env.dataRoot,
    keyring: env.keyring,
    passphrase: env.passphrase,
    env: io.env,
  });
  const bridge = await startUiBridge({ app, port, staticDir });
  writeLine(io.stdout, `aev ui: open ${bridge.url}`);
  writeLine(io.stdout, '(the token in the address is the key: do not share it; Ctrl-C stops)');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await bridge.close();
  app.dispose();
  return 0;
}
