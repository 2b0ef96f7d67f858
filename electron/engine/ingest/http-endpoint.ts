import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AevError, toErrorBody } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { AGENT_KINDS } from '../../common/model/agent.ts';
import type { AgentKind } from '../../common/model/agent.ts';
import { denyDecision } from '../../common/protocol/claude-code-hooks.ts';
import type { Clock } from '../runtime/clock.ts';
import { writePrivateFile } from '../runtime/private-dir.ts';
import type { EndpointCounters, EndpointHandler } from './endpoint-handler.ts';
import type { EndpointLimits } from './endpoint-limits.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';
import { TokenBucket } from './token-bucket.ts';

export interface HttpEndpointInfo {
  readonly url: string;
  readonly token: string;
}

const STATUS: Readonly<Partial<Record<ErrorCode, number>>> = {
  E_UNAUTHORIZED: 401,
  E_PERMISSIONS: 403,
  E_NOT_FOUND: 404,
  E_FRAME_TOO_LARGE: 413,
  E_RATE_LIMITED: 429,
  E_SHUTTING_DOWN: 503,
  E_DISK_FULL: 507,
};

/**
 * Loopback HTTP ingest for agents whose hooks can POST (Claude Code `http` hooks): 127.0.0.1 only,
 * bearer token from the private runtime folder, Host checked against DNS rebinding, browsers (any
 * request carrying Origin) refused. Ingest only: nothing can be read back through it.
 */
export class HttpEndpoint {
  readonly #server: http.Server;
  readonly #token: string;
  readonly #counters: EndpointCounters;
  readonly #handler: EndpointHandler;
  readonly #limits: EndpointLimits;
  readonly #bucket: TokenBucket;
  readonly #clock: Clock;
  #port = 0;

  constructor(
    infoPath: string,
    handler: EndpointHandler,
    limits: EndpointLimits,
    clock: Clock,
    counters: EndpointCounters,
  ) {
    this.#token = loadOrCreateToken(infoPath);
    this.#handler = handler;
    this.#limits = limits;
    this.#clock = clock;
    this.#counters = counters;
    this.#bucket = new TokenBucket(limits.framesPerSecond, limits.burst, clock.now());
    this.#server = http.createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        this.#answerError(res, error);
      });
    });
    this.#server.maxConnections = limits.maxConnections;
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;
  }

  async listen(port: number, infoPath: string): Promise<HttpEndpointInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          new AevError(
            'E_IO',
            `cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}; set AEV_HTTP_PORT or disable with AEV_HTTP_PORT=off`,
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
    const info: HttpEndpointInfo = { url: `http://127.0.0.1:${this.#port}/v1/hooks/claude-code`, token: this.#token };
    writePrivateFile(infoPath, `${JSON.stringify(info, null, 2)}\n`);
    return info;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const agent = /^\/v1\/hooks\/([a-z-]+)$/.exec(url.pathname)?.[1];
    if (req.method !== 'POST' || agent === undefined || !(AGENT_KINDS as readonly string[]).includes(agent)) {
      throw new AevError('E_NOT_FOUND', 'POST /v1/hooks/<agent> is the only route');
    }
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${this.#port}` && host !== `localhost:${this.#port}`) {
      throw new AevError('E_PERMISSIONS', 'unexpected Host header');
    }
    if (req.headers.origin !== undefined) throw new AevError('E_PERMISSIONS', 'browser requests are refused');
    if (!this.#authorized(req)) throw new AevError('E_UNAUTHORIZED', 'missing or wrong bearer token');
    if (!this.#bucket.take(this.#clock.now())) throw new AevError('E_RATE_LIMITED', 'too many requests: slow down');
    const body = await readBody(req, this.#limits.maxFrameBytes);
    if (nestsDeeperThan(body)) throw new AevError('E_SCHEMA', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new AevError('E_BAD_JSON', 'the body is not valid JSON');
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new AevError('E_SCHEMA', 'the body is a JSON object (the hook payload)');
    }
    const ack = await this.#handler.ingest(
      { agent: agent as AgentKind, payload: payload as Record<string, unknown> },
      'http-hook',
      { transport: 'http-body', bytes: body },
    );
    const kind = (payload as { hook_event_name?: unknown }).hook_event_name;
    // Claude Code reads the body as the hook's decision: `{}` lets the tool call go ahead.
    const deny = !ack.recording && url.searchParams.get('policy') === 'fail-closed' && kind === 'PreToolUse';
    const answer = deny
      ? denyDecision('Agent Evidence is paused; this project requires recording (fail-closed policy).')
      : {};
    res.writeHead(200, { 'content-type': 'application/json', 'x-aev-event-id': ack.eventId });
    res.end(JSON.stringify(answer));
  }

  #authorized(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
    const expected = Buffer.from(this.#token, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #answerError(res: http.ServerResponse, error: unknown): void {
    this.#counters.rejectedFrames += 1;
    const body = toErrorBody(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(STATUS[body.code] ?? (body.code === 'E_INTERNAL' || body.code === 'E_IO' ? 500 : 400), {
      'content-type': 'application/json',
      connection: 'close',
    });
    res.end(JSON.stringify({ error: body }));
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > max) {
      reject(new AevError('E_FRAME_TOO_LARGE', `a payload is limited to ${max} bytes`));
      req.resume();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new AevError('E_FRAME_TOO_LARGE', `a payload is limited to ${max} bytes`));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(parts));
    });
    req.on('error', reject);
  });
}

/** The token survives restarts so hook settings that carry it keep working; it lives in the 0700 runtime folder. */
function loadOrCreateToken(infoPath: string): string {
  try {
    const parsed = JSON.parse(fs.readFileSync(infoPath, 'utf8')) as { token?: unknown };
    if (typeof parsed.token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(parsed.token)) return parsed.token;
  } catch {
    // absent or unreadable: make a new one
  }
  return randomBytes(32).toString('base64url');
}
