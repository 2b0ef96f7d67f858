import { MAX_FRAME_BYTES } from '../../electron/common/protocol/constants.ts';
import { hookPayload } from './base-frames.ts';
import type { FrameContext } from './base-frames.ts';
import type { HttpChunk } from './http-probe.ts';
import { mutate, mutationCount } from './mutations.ts';
import type { MutationName } from './mutations.ts';

export const HTTP_CATEGORIES = [
  'http-valid',
  'http-mutated',
  'http-auth',
  'http-headers',
  'http-oversized',
  'http-malformed',
  'http-garbage',
  'http-pipelined',
] as const;
export type HttpCategory = (typeof HTTP_CATEGORIES)[number];

export const HTTP_WEIGHTS: Readonly<Record<HttpCategory, number>> = {
  'http-valid': 10,
  'http-mutated': 25,
  'http-auth': 12,
  'http-headers': 14,
  'http-oversized': 4,
  'http-malformed': 15,
  'http-garbage': 8,
  'http-pipelined': 6,
};

export interface HttpTarget {
  readonly port: number;
  readonly token: string;
}

export interface HttpCase {
  readonly chunks: readonly HttpChunk[];
  /** Requests in the case (pipelined cases carry several). */
  readonly requests: number;
  /** A 200 here would be a hole: bad token, foreign Host, browser Origin, wrong method. */
  readonly mustRefuse: boolean;
  /** Every request is complete, so the engine owes an answer or a close. */
  readonly complete: boolean;
  readonly mutations: readonly MutationName[];
}

interface RequestSpec {
  method?: string;
  path?: string;
  version?: string;
  headers?: Record<string, string | null>;
  body?: Buffer;
  close?: boolean;
}

/** One HTTP/1.1 request; a header set to null is left out. */
export function rawRequest(t: HttpTarget, spec: RequestSpec): Buffer {
  const body = spec.body ?? Buffer.alloc(0);
  const headers: Record<string, string | null> = {
    host: `127.0.0.1:${t.port}`,
    authorization: `Bearer ${t.token}`,
    'content-type': 'application/json',
    'content-length': String(body.length),
    connection: spec.close === false ? 'keep-alive' : 'close',
    ...spec.headers,
  };
  const head = Object.entries(headers)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const start = `${spec.method ?? 'POST'} ${spec.path ?? '/v1/hooks/claude-code'} ${spec.version ?? 'HTTP/1.1'}\r\n`;
  return Buffer.concat([Buffer.from(`${start}${head}\r\n`, 'latin1'), body]);
}

function one(bytes: Buffer, mustRefuse = false, mutations: readonly MutationName[] = []): HttpCase {
  return { chunks: [{ bytes }], requests: 1, mustRefuse, complete: true, mutations };
}

function validBody(ctx: FrameContext): { path: string; body: Buffer } {
  const agent = ctx.rng.chance(0.8) ? 'claude-code' : ctx.rng.pick(['codex', 'gemini', 'cursor', 'generic']);
  const policy = ctx.rng.chance(0.2) ? '?policy=fail-closed' : '';
  return { path: `/v1/hooks/${agent}${policy}`, body: Buffer.from(JSON.stringify(hookPayload(ctx, agent))) };
}

function otherToken(ctx: FrameContext, token: string): string {
  const { rng } = ctx;
  const i = rng.int(token.length);
  const swapped = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
  return rng.pick([
    swapped,
    token.slice(0, -1),
    `${token}x`,
    rng.word(43, 43),
    '',
    token.toLowerCase() === token ? 'x' : token.toLowerCase(),
  ]);
}

const MALFORMED_BODIES: readonly (string | Buffer)[] = [
  '',
  '{',
  '{"session_id":"x",',
  '[]',
  'null',
  '"a string"',
  '42',
  '{"session_id":"x","hook_event_name":"Stop"}{"again":1}',
  '{"session_id":"\\ud800","hook_event_name":"Stop"}',
  '{"session_id":"a\\u0000b","hook_event_name":"Stop"}',
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  Buffer.from('{"session_id":"x","hook_event_name":"Stop","raw":"a\u0000b"}'.replace('\u0000', '\0')),
  `{"session_id":"x","hook_event_name":"Stop","deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
  '{"__proto__":{"session_id":"polluted"},"hook_event_name":"Stop"}',
];

const GARBAGE_REQUESTS: readonly string[] = [
  // Empty lines before a request line are skipped (RFC 9112 §2.2), so this one is complete only with a request.
  '\r\n\r\nGET / HTTP/1.1\r\n\r\n',
  'GET\r\n\r\n',
  'GET /\r\n\r\n',
  'POST /v1/hooks/claude-code HTTP/9.9\r\nhost: x\r\n\r\n',
  'POST /v1/hooks/claude-code HTTP/1.1\r\n\r\n',
  'POST /v1/hooks/claude-code HTTP/1.1\r\ncontent-length: -1\r\n\r\n',
  'POST /v1/hooks/claude-code HTTP/1.1\r\ncontent-length: abc\r\n\r\n',
  'POST /v1/hooks/claude-code HTTP/1.1\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /v1/hooks/claude-code HTTP/1.1\r\nbad header line\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003',
];

/** Builds one case of `category`; `ctx.rng` decides every detail, so a seed replays it. */
export function httpCase(
  category: HttpCategory,
  ctx: FrameContext,
  t: HttpTarget,
  allowed: readonly MutationName[],
): HttpCase {
  const { rng } = ctx;
  switch (category) {
    case 'http-valid': {
      const v = validBody(ctx);
      return one(rawRequest(t, { path: v.path, body: v.body }));
    }
    case 'http-mutated': {
      const agent = rng.chance(0.8) ? 'claude-code' : 'codex';
      const m = mutate(rng, hookPayload(ctx, agent), allowed, mutationCount(rng));
      return one(rawRequest(t, { path: `/v1/hooks/${agent}`, body: m.bytes }), false, m.mutations);
    }
    case 'http-auth': {
      const body = validBody(ctx).body;
      const auth = rng.pick([
        null,
        `Bearer ${otherToken(ctx, t.token)}`,
        `Basic ${Buffer.from(`user:${t.token}`).toString('base64')}`,
        t.token,
        'Bearer',
        `Bearer ${t.token}, Bearer ${t.token}`,
        `Bearer ${'A'.repeat(8000)}`,
        `Bearer\t${otherToken(ctx, t.token)}`,
      ]);
      return one(rawRequest(t, { body, headers: { authorization: auth } }), true);
    }
    case 'http-headers': {
      const body = validBody(ctx).body;
      const x = rng.int(5);
      if (x === 0) {
        const host = rng.pick([
          'evil.example',
          `evil.example:${t.port}`,
          '127.0.0.1',
          `127.0.0.1:${t.port + 1}`,
          `localhost.evil:${t.port}`,
          null,
        ]);
        return one(rawRequest(t, { body, headers: { host } }), true);
      }
      if (x === 1) {
        const origin = rng.pick(['https://evil.example', 'null', `http://127.0.0.1:${t.port}`, '']);
        return one(rawRequest(t, { body, headers: { origin } }), true);
      }
      if (x === 2) {
        const method = rng.pick(['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD', 'TRACE']);
        return one(rawRequest(t, { method, body }), true);
      }
      if (x === 3) {
        const path = rng.pick([
          '/',
          '/v1/hooks/',
          '/v1/hooks/root',
          '/v1/hooks/CLAUDE-CODE',
          '/v1/hooks/claude-code/../../etc/passwd',
          '//v1/hooks/claude-code',
          `/v1/hooks/claude-code?x=%ff%fe&policy=${'a'.repeat(2000)}`,
          `http://127.0.0.1:${t.port}/v1/hooks/claude-code`,
          '*',
          `/${'a'.repeat(20_000)}`,
        ]);
        return one(rawRequest(t, { path, body }));
      }
      const headers = rng.pick<Record<string, string | null>>([
        { 'content-type': 'text/plain' },
        { 'content-type': null },
        { 'content-type': 'multipart/form-data; boundary=x' },
        { 'content-type': 'application/json; charset=latin1' },
        { 'x-filler': 'a'.repeat(20_000) },
        { expect: '100-continue' },
        { 'content-encoding': 'gzip' },
      ]);
      return one(rawRequest(t, { body, headers }));
    }
    case 'http-oversized': {
      const x = rng.int(4);
      if (x === 0) {
        // Declared too big: refused before the body is read.
        const body = Buffer.alloc(MAX_FRAME_BYTES + 1 + rng.int(1024), 0x20);
        return one(rawRequest(t, { body }));
      }
      if (x === 1) {
        // Chunked, growing past the limit while being read.
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        const parts: Buffer[] = [];
        for (let i = 0; i < 5; i++)
          parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
        parts.push(Buffer.from('0\r\n\r\n'));
        const head = rawRequest(t, { headers: { 'content-length': null, 'transfer-encoding': 'chunked' } });
        return one(Buffer.concat([head, ...parts]));
      }
      // Right at the limit, or one byte past it: valid JSON padded with a long string.
      const payload = JSON.stringify({ ...hookPayload(ctx, 'claude-code'), pad: '' });
      const target = MAX_FRAME_BYTES + (x === 2 ? 0 : 1);
      const body = Buffer.from(
        payload.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, target - payload.length))}"`),
      );
      return one(rawRequest(t, { body }));
    }
    case 'http-malformed': {
      const raw = rng.pick(MALFORMED_BODIES);
      const body = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      if (rng.chance(0.3)) {
        // The declared length disagrees with the body: shorter cuts it, longer leaves it hanging.
        const declared = rng.chance(0.5) ? Math.max(0, body.length - 3) : body.length + 10;
        return {
          chunks: [{ bytes: rawRequest(t, { body, headers: { 'content-length': String(declared) } }) }],
          requests: 1,
          mustRefuse: false,
          complete: declared <= body.length,
          mutations: [],
        };
      }
      return one(rawRequest(t, { body }));
    }
    case 'http-garbage': {
      // Only a head that reaches its blank line is complete; before that the engine may wait for more.
      if (rng.chance(0.5)) return one(Buffer.from(rng.pick(GARBAGE_REQUESTS), 'latin1'), true);
      return { ...one(rng.bytes(rng.range(1, 4096)), true), complete: false };
    }
    case 'http-pipelined': {
      const n = rng.range(2, 6);
      const parts = Array.from({ length: n }, (_, i) => {
        const last = i === n - 1;
        if (rng.chance(0.6)) {
          const v = validBody(ctx);
          return rawRequest(t, { path: v.path, body: v.body, close: last });
        }
        const m = mutate(rng, hookPayload(ctx, 'claude-code'), allowed, 1);
        return rawRequest(t, { body: m.bytes, close: last });
      });
      return {
        chunks: [{ bytes: Buffer.concat(parts) }],
        requests: n,
        mustRefuse: false,
        complete: true,
        mutations: [],
      };
    }
  }
}
