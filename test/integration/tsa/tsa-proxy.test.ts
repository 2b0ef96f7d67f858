import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { certificatesFromPem } from '../../../electron/engine/tsa/tsa-certificate.ts';
import { requestTimestamp } from '../../../electron/engine/tsa/tsa-client.ts';
import { buildTimestampRequest } from '../../../electron/engine/tsa/timestamp-request.ts';
import { startOpensslTsa, type OpensslTsa } from '../../helpers/openssl-tsa.ts';

/** A minimal forward proxy (CONNECT tunnels and absolute-form requests) that records what it relays. */
async function startProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const upstream = http.request(req.url ?? '', { method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url ?? ''}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).on('error', () => undefined);
      client.pipe(upstream).on('error', () => undefined);
    });
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

const VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
let tsa: OpensslTsa;
let proxy: Awaited<ReturnType<typeof startProxy>>;

beforeAll(async () => {
  [tsa, proxy] = await Promise.all([startOpensslTsa({ keyType: 'ec' }), startProxy()]);
});
afterAll(async () => {
  await Promise.all([tsa.close(), proxy.close()]);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the TSA client honours the proxy environment (EnvHttpProxyAgent)', () => {
  const stamp = () =>
    requestTimestamp(tsa.url, buildTimestampRequest({ data: new Uint8Array([1, 2, 3]) }), {
      timeoutMs: 5_000,
      trustAnchors: certificatesFromPem(tsa.rootPem),
    });

  it('goes through HTTP_PROXY', async () => {
    for (const name of VARS) vi.stubEnv(name, undefined);
    vi.stubEnv('HTTP_PROXY', proxy.url);
    const before = proxy.seen.length;
    expect((await stamp()).verdict.valid).toBe(true);
    const relayed = proxy.seen.slice(before);
    expect(relayed.some((line) => line.includes(new URL(tsa.url).host))).toBe(true);
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    for (const name of VARS) vi.stubEnv(name, undefined);
    vi.stubEnv('HTTP_PROXY', proxy.url);
    vi.stubEnv('NO_PROXY', '127.0.0.1');
    const before = proxy.seen.length;
    expect((await stamp()).verdict.valid).toBe(true);
    expect(proxy.seen.length).toBe(before);
  });
});
