import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiBridge } from '../../../electron/cli/commands/ui.ts';
import type { UiBridge } from '../../../electron/cli/commands/ui.ts';
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

describe('aev ui loopback bridge (real engine, real socket)', () => {
  let t: TestEngine;
  let bridge: UiBridge;
  const site = makeTempDir();
  const auth = () => ({ authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    fs.writeFileSync(path.join(site.dir, 'index.html'), '<!doctype html><title>t</title>');
    t = await startTestEngine();
    bridge = await startUiBridge({ socketPath: t.info.socketPath, port: 0, staticDir: site.dir });
  });
  afterAll(async () => {
    await bridge.close();
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

  it('serves the built renderer with a CSP and nothing outside its folder', async () => {
    const index = await request(bridge.port, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>t</title>');
    const escape = await request(bridge.port, { path: '/..%2f..%2fetc%2fpasswd' });
    expect(escape.status).toBe(404);
  });
});
