import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiBridge } from '../../../electron/cli/commands/ui.ts';
import type { UiBridge } from '../../../electron/cli/commands/ui.ts';
import { createAppHostContext, socketControl } from '../../../electron/engine/app-host/app-host-context.ts';
import type { AppHostContext } from '../../../electron/engine/app-host/app-host-context.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A raw HTTP request: fetch would not let a test forge Host or Origin. */
function request(
  port: number,
  opts: { path: string; method?: string; headers?: Record<string, string>; body?: string },
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function headers(port: number, path: string): Promise<http.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        resolve(res.headers);
      })
      .on('error', reject);
  });
}

describe('aev ui loopback bridge (real engine, real socket)', () => {
  let t: TestEngine;
  let bridge: UiBridge;
  let app: AppHostContext;
  const site = makeTempDir();
  const auth = () => ({ authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    fs.writeFileSync(path.join(site.dir, 'index.html'), '<!doctype html><title>t</title>');
    t = await startTestEngine();
    app = createAppHostContext({
      control: socketControl(t.info.socketPath),
      dataRoot: t.dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      env: { HOME: site.dir },
    });
    bridge = await startUiBridge({ app, port: 0, staticDir: site.dir });
  });
  afterAll(async () => {
    await bridge.close();
    app.dispose();
    await t.dispose();
    site.cleanup();
  });

  it('forwards a valid call to the control API and answers a Result', async () => {
    const a = await request(bridge.port, { path: '/api/listSessions', method: 'POST', headers: auth(), body: '{}' });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ ok: true, value: [] });
    const s = await request(bridge.port, { path: '/api/status', method: 'POST', headers: auth(), body: '{}' });
    expect((JSON.parse(s.body) as { value: { recording: boolean } }).value.recording).toBe(true);
  });

  it('refuses a call without the per-start token', async () => {
    const a = await request(bridge.port, { path: '/api/status', method: 'POST', body: '{}' });
    expect(a.status).toBe(401);
    const b = await request(bridge.port, {
      path: '/api/status',
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token.slice(1)}x` },
      body: '{}',
    });
    expect(b.status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (another site in the browser)', async () => {
    const host = await request(bridge.port, { path: '/', headers: { host: `evil.example:${bridge.port}` } });
    expect(host.status).toBe(403);
    const origin = await request(bridge.port, {
      path: '/api/status',
      method: 'POST',
      headers: { ...auth(), origin: 'http://evil.example' },
      body: '{}',
    });
    expect(origin.status).toBe(403);
    const own = await request(bridge.port, {
      path: '/api/status',
      method: 'POST',
      headers: { ...auth(), origin: `http://127.0.0.1:${bridge.port}` },
      body: '{}',
    });
    expect(own.status).toBe(200);
  });

  it('validates arguments with the contract’s schemas before the engine sees them', async () => {
    const bad = await request(bridge.port, {
      path: '/api/readVideo',
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ recording: 'r', from: 'yesterday', to: '2026-01-01T00:00:00Z' }),
    });
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, code: 'E_SCHEMA' });
    const extra = await request(bridge.port, {
      path: '/api/showSession',
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ id: 's', sql: 'DROP TABLE' }),
    });
    expect(JSON.parse(extra.body)).toMatchObject({ ok: false, code: 'E_SCHEMA' });
    const missing = await request(bridge.port, {
      path: '/api/showSession',
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ id: 's_nope' }),
    });
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, code: 'E_NOT_FOUND' });
    const unknown = await request(bridge.port, { path: '/api/exportAll', method: 'POST', headers: auth(), body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('takes a dropped bundle in its call but keeps every other body small', async () => {
    const big = JSON.stringify({ reason: 'x'.repeat(100 * 1024) });
    const refused = await request(bridge.port, { path: '/api/pause', method: 'POST', headers: auth(), body: big });
    expect(refused.status).toBe(413);
    const garbage = Buffer.alloc(200 * 1024, 7).toString('base64');
    const started = await request(bridge.port, {
      path: '/api/startVerify',
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ source: { name: 'junk.tar', base64: garbage } }),
    });
    const { value } = JSON.parse(started.body) as { value: { job: string } };
    let job: { state: string; verified: { report: { ok: boolean; items: { code: string }[] } } | null };
    do {
      await new Promise((r) => setTimeout(r, 50));
      const a = await request(bridge.port, {
        path: '/api/jobStatus',
        method: 'POST',
        headers: auth(),
        body: JSON.stringify({ job: value.job }),
      });
      job = (JSON.parse(a.body) as { value: typeof job }).value;
    } while (job.state === 'running');
    expect(job.verified?.report.ok).toBe(false);
    expect(job.verified?.report.items[0]?.code).toMatch(/^ARCHIVE_/);
  });

  it('serves the built renderer with a CSP and nothing outside its folder', async () => {
    const index = await request(bridge.port, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>t</title>');
    const csp = (await headers(bridge.port, '/'))['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("'wasm-unsafe-eval'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).not.toContain("'unsafe-inline'");
    const escape = await request(bridge.port, { path: '/..%2f..%2fetc%2fpasswd' });
    expect(escape.status).toBe(404);
  });
});
