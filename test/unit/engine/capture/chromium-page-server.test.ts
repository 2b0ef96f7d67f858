import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { capturePageInfoPath, ChromiumPageServer } from '../../../../electron/engine/capture/chromium-page-server.ts';
import type { CapturePageInfo } from '../../../../electron/engine/capture/chromium-page-server.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { hasFfmpeg } from '../../native/ffmpeg/mp4-test-boxes.ts';
import { pageStream, startedHub, T0 } from './chromium-fixture.ts';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A raw request (fetch will not send a forged Host). */
function request(
  port: number,
  o: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: o.headers ?? {} },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

function errorCode(a: Answer): string {
  return (JSON.parse(a.body.toString('utf8')) as { error: { code: string } }).error.code;
}

describe.skipIf(!hasFfmpeg)('capture page server (loopback, outside Electron)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function serve(options: { maxPartBytes?: number } = {}) {
    const tmp = makeTempDir();
    cleanups.push(() => {
      tmp.cleanup();
    });
    const pageDir = path.join(tmp.dir, 'renderer');
    fs.mkdirSync(path.join(pageDir, 'capture'), { recursive: true });
    fs.mkdirSync(path.join(pageDir, 'assets'));
    fs.writeFileSync(path.join(pageDir, 'capture/index.html'), '<!doctype html><p id="status"></p>');
    fs.writeFileSync(path.join(pageDir, 'assets/capture-abc.js'), 'export {};');
    fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), 'not for the page');
    const h = await startedHub();
    const server = new ChromiumPageServer(h.hub, { pageDir, clock: h.clock, ...options });
    const infoPath = capturePageInfoPath(tmp.dir);
    const info = await server.listen(0, infoPath);
    cleanups.push(() => server.close());
    const port = Number(new URL(info.url).port);
    const auth = { authorization: `Bearer ${info.token}` };
    return { ...h, server, info, infoPath, port, auth };
  }

  it('writes the page address with its token to a 0600 file, and serves only the page and its assets', async () => {
    const { info, infoPath, port } = await serve();
    expect(fs.statSync(infoPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(infoPath, 'utf8'))).toEqual(info satisfies CapturePageInfo);
    expect(info.url).toBe(`http://127.0.0.1:${port}/capture/#token=${info.token}`);
    const page = await request(port, { path: '/capture/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await request(port, { path: '/assets/capture-abc.js' })).status).toBe(200);
    for (const p of ['/', '/secret.txt', '/capture/../secret.txt', '/assets/..%2fsecret.txt', '/assets/x.html'])
      expect((await request(port, { path: p })).status, p).toBe(404);
  });

  it('refuses API calls without the token, from another origin, or to another Host', async () => {
    const { port, auth, info } = await serve();
    const control = '/v1/capture/control?after=-1';
    expect(errorCode(await request(port, { path: control }))).toBe('E_UNAUTHORIZED');
    const wrong = await request(port, { path: control, headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
    expect(wrong.status).toBe(401);
    const evil = await request(port, { path: control, headers: { ...auth, origin: 'http://evil.example' } });
    expect([evil.status, errorCode(evil)]).toEqual([403, 'E_PERMISSIONS']);
    const rebound = await request(port, { path: control, headers: { ...auth, host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    // The page itself (same origin) is let through.
    const own = await request(port, { path: control, headers: { ...auth, origin: new URL(info.url).origin } });
    expect(own.status).toBe(200);
  });

  it('carries the run order, parts and the end of a run; refuses what the hub refuses', async () => {
    const { port, auth, runId, clock, log, run } = await serve({ maxPartBytes: 64 * 1024 });
    const control = JSON.parse(
      (await request(port, { path: '/v1/capture/control?after=-1', headers: auth })).body.toString('utf8'),
    ) as { version: number; run: { id: string } | null };
    expect(control.run?.id).toBe(runId);

    const stream = pageStream(T0 + 100);
    clock.set(T0 + 10_000);
    const post = (q: string, body: Buffer | string) =>
      request(port, { method: 'POST', path: `/v1/capture/${q}`, headers: auth, body });
    const partPath = (kind: string, wall: number, page = 'p1') =>
      `part?run=${runId}&page=${page}&kind=${kind}&wall=${wall}`;
    expect((await post(partPath('init', T0 + 100), stream.init)).status).toBe(204);
    const f = stream.fragments[0]!;
    expect((await post(partPath('fragment', f.startMs), f.bytes)).status).toBe(204);
    expect(log.fragments).toHaveLength(1);

    expect(errorCode(await post(partPath('sideways', 1), 'x'))).toBe('E_SCHEMA');
    expect(errorCode(await post(`part?run=../../x&page=p1&kind=init&wall=1`, 'x'))).toBe('E_SCHEMA');
    const big = await post(partPath('fragment', f.startMs), Buffer.alloc(65 * 1024));
    expect([big.status, errorCode(big)]).toEqual([413, 'E_FRAME_TOO_LARGE']);
    const other = await post(partPath('fragment', f.startMs, 'p2'), stream.fragments[1]!.bytes);
    expect([other.status, errorCode(other)]).toEqual([409, 'E_NOT_RECORDING']);
    expect(errorCode(await post(`ended?run=${runId}&page=p1`, '{not json'))).toBe('E_BAD_JSON');

    // A long poll waits for the stop, then the page says it is done.
    const waiting = request(port, { path: `/v1/capture/control?after=${control.version}`, headers: auth });
    const stopped = run.stop(5000);
    expect(JSON.parse((await waiting).body.toString('utf8'))).toMatchObject({ run: null });
    expect((await post(`ended?run=${runId}&page=p1`, JSON.stringify({ error: null }))).status).toBe(204);
    await stopped;
    expect(log.exits).toEqual([{ requested: true, reason: 'stopped' }]);
    expect(errorCode(await post(partPath('fragment', f.startMs), f.bytes))).toBe('E_NOT_RECORDING');
  });

  it('answers malformed video with 422 and ends the run as a failure', async () => {
    const { port, auth, runId, log } = await serve();
    const bad = await request(port, {
      method: 'POST',
      path: `/v1/capture/part?run=${runId}&page=p1&kind=init&wall=${T0}`,
      headers: auth,
      body: Buffer.from([0, 0, 0, 0, 0x6d, 0x6f, 0x6f, 0x76]),
    });
    expect([bad.status, errorCode(bad)]).toEqual([422, 'E_MEDIA_FORMAT']);
    expect(log.exits[0]?.requested).toBe(false);
    expect(log.exits[0]?.reason).toMatch(/malformed fragmented MP4: box 'moov' has size 0/);
  });
});
