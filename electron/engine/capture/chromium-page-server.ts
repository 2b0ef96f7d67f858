import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { z } from 'zod';
import { AevError, toErrorBody } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { TokenBucket } from '../ingest/token-bucket.ts';
import type { Clock } from '../runtime/clock.ts';
import { writePrivateFile } from '../runtime/private-dir.ts';
import type { ChromiumCapture } from './chromium-capture.ts';
import { PAGE_ENDED_FIELDS, PAGE_PART_FIELDS } from './chromium-protocol.ts';

export interface CapturePageInfo {
  /** The page to open in Chromium, token in the fragment (never sent to a server, never in a Referer). */
  readonly url: string;
  readonly token: string;
}

export interface ChromiumPageServerOptions {
  /** The built renderer (dist/renderer): capture/index.html and assets/. */
  readonly pageDir: string;
  readonly clock: Clock;
  /** Bytes of one part (init or fragment); the hub applies the same cap. */
  readonly maxPartBytes?: number;
}

/** Where the page address and its token are written (0600, in the 0700 runtime folder). */
export function capturePageInfoPath(runtimeDir: string): string {
  return path.join(runtimeDir, 'capture-page.json');
}

const STATUS: Readonly<Partial<Record<ErrorCode, number>>> = {
  E_UNAUTHORIZED: 401,
  E_PERMISSIONS: 403,
  E_NOT_FOUND: 404,
  E_NOT_RECORDING: 409,
  E_FRAME_TOO_LARGE: 413,
  E_MEDIA_FORMAT: 422,
  E_RATE_LIMITED: 429,
  E_SHUTTING_DOWN: 503,
};
const LONG_POLL_MS = 20_000;
const MAX_ENDED_BYTES = 8 * 1024;
const DEFAULT_MAX_PART_BYTES = 16 * 1024 * 1024;
// The page's own scripts and its calls back here; nothing inline, nothing from elsewhere.
const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const ASSET = /^\/assets\/[A-Za-z0-9_.-]+\.(js|css|map)$/;
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/**
 * The capture page's channel to the engine outside Electron (tests, a browser on a headless box): a
 * loopback HTTP server of its own, apart from the hooks endpoint. It serves the page and its API from one
 * origin, so a browser only lets that page call it: 127.0.0.1 only, Host must name it (DNS rebinding), an
 * Origin other than its own is refused (other sites in the same browser), and every API call carries the
 * per-start bearer token (other local users cannot read the 0600 info file, so cannot call).
 *
 *   GET  /capture/                         the page (renderer/capture, built by vite)
 *   GET  /v1/capture/control?after=N       the run order, long-polled until its version passes N
 *   POST /v1/capture/part?run&page&kind&wall   one init segment or fragment, raw bytes
 *   POST /v1/capture/ended?run&page        {"error": null | "what broke"}
 */
export class ChromiumPageServer {
  readonly #hub: ChromiumCapture;
  readonly #options: ChromiumPageServerOptions;
  readonly #server: http.Server;
  readonly #token = randomBytes(32).toString('base64url');
  readonly #tokenDigest = sha256(this.#token);
  readonly #bucket: TokenBucket;
  #port = 0;

  constructor(hub: ChromiumCapture, options: ChromiumPageServerOptions) {
    this.#hub = hub;
    this.#options = options;
    // A page sends a part a second and holds one long poll; this leaves room for retries, not for floods.
    this.#bucket = new TokenBucket(50, 200, options.clock.now());
    this.#server = http.createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        answerError(res, error);
      });
    });
    this.#server.maxConnections = 16;
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = LONG_POLL_MS + 10_000;
  }

  async listen(port: number, infoPath: string): Promise<CapturePageInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          new AevError(
            'E_IO',
            `cannot listen on 127.0.0.1:${port} for the capture page: ${error.code ?? error.message}; set AEV_CAPTURE_PORT`,
            { port },
            { cause: error },
          ),
        );
      });
      this.#server.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    const info: CapturePageInfo = {
      url: `http://127.0.0.1:${this.#port}/capture/#token=${this.#token}`,
      token: this.#token,
    };
    writePrivateFile(infoPath, `${JSON.stringify(info, null, 2)}\n`);
    return info;
  }

  /** The page's address without the token, for logs. */
  get pageUrl(): string {
    return `http://127.0.0.1:${this.#port}/capture/`;
  }

  /** Stops listening and drops open connections (a page's pending long poll among them). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeAllConnections();
    await closed;
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const own = [`127.0.0.1:${this.#port}`, `localhost:${this.#port}`];
    if (!own.includes(req.headers.host ?? '')) throw new AevError('E_PERMISSIONS', 'unexpected Host header');
    const origin = req.headers.origin;
    if (origin !== undefined && !own.some((o) => origin === `http://${o}`))
      throw new AevError('E_PERMISSIONS', 'requests from other origins are refused');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/v1/')) {
      this.#serveStatic(req, res, url.pathname);
      return;
    }
    if (!this.#authorized(req)) throw new AevError('E_UNAUTHORIZED', 'missing or wrong bearer token');
    if (!this.#bucket.take(this.#options.clock.now()))
      throw new AevError('E_RATE_LIMITED', 'too many requests: slow down');
    const route = `${req.method ?? ''} ${url.pathname}`;
    const q = url.searchParams;
    switch (route) {
      case 'GET /v1/capture/control': {
        const after = Number(q.get('after') ?? '-1');
        if (!Number.isInteger(after)) throw new AevError('E_SCHEMA', '`after` is a whole number');
        const control = await this.#hub.nextControl(after, LONG_POLL_MS);
        sendJson(res, 200, control);
        return;
      }
      case 'POST /v1/capture/part': {
        const fields = parseFields(PAGE_PART_FIELDS, {
          runId: q.get('run'),
          pageId: q.get('page'),
          kind: q.get('kind'),
          wallMs: Number(q.get('wall')),
        });
        const bytes = await readBody(req, this.#options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES);
        this.#hub.part({ ...fields, bytes });
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
        return;
      }
      case 'POST /v1/capture/ended': {
        const body = await readBody(req, MAX_ENDED_BYTES);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new AevError('E_BAD_JSON', 'the body is not valid JSON');
        }
        const error = (parsed as { error?: unknown } | null)?.error;
        this.#hub.ended(parseFields(PAGE_ENDED_FIELDS, { runId: q.get('run'), pageId: q.get('page'), error }));
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
        return;
      }
      default:
        throw new AevError('E_NOT_FOUND', `no route ${route}`);
    }
  }

  /** The page and its bundled assets, nothing else from the build folder. */
  #serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new AevError('E_NOT_FOUND', 'GET only');
    let rel: string;
    if (pathname === '/capture/' || pathname === '/capture/index.html') rel = 'capture/index.html';
    else if (ASSET.test(pathname)) rel = pathname.slice(1);
    else throw new AevError('E_NOT_FOUND', 'not found');
    let data: Buffer;
    try {
      data = fs.readFileSync(path.join(this.#options.pageDir, rel));
    } catch {
      throw new AevError(
        'E_NOT_FOUND',
        rel.endsWith('.html') ? 'the capture page is not built: run `npm run build:renderer`' : 'not found',
      );
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(rel)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  /** Compared as SHA-256 digests: constant time whatever the length of what was sent. */
  #authorized(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : '';
    return timingSafeEqual(sha256(given), this.#tokenDigest);
  }
}

function parseFields<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AevError('E_SCHEMA', `invalid ${issue?.path.map(String).join('.') ?? 'request'}: ${issue?.message ?? ''}`);
}

/** The body, refused past `max` bytes (by Content-Length up front, or as it streams in). */
async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? '0') > max) {
    req.resume();
    throw new AevError('E_FRAME_TOO_LARGE', `a body is limited to ${max} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      req.destroy();
      throw new AevError('E_FRAME_TOO_LARGE', `a body is limited to ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function answerError(res: http.ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = toErrorBody(error);
  res.writeHead(STATUS[body.code] ?? (body.code === 'E_INTERNAL' || body.code === 'E_IO' ? 500 : 400), {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify({ error: body }));
}
