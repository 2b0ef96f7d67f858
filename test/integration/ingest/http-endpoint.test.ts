import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookPayload } from '../../helpers/raw-client.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

interface Reply {
  status: number;
  body: string;
}

function post(url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('loopback HTTP hook endpoint', () => {
  let t: TestEngine;
  let url: string;
  let token: string;
  beforeAll(async () => {
    t = await startTestEngine();
    const info = JSON.parse(fs.readFileSync(t.engine.paths.httpInfoPath, 'utf8')) as { url: string; token: string };
    url = info.url;
    token = info.token;
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('listens on 127.0.0.1 only and keeps its token in a private file', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/hooks\/claude-code$/);
    expect(fs.statSync(t.engine.paths.httpInfoPath).mode & 0o077).toBe(0);
  });

  it('stores a Claude Code http-hook post and answers with an empty decision after it is durable', async () => {
    const r = await post(
      url,
      JSON.stringify(hookPayload('http-sess', 'PreToolUse', { tool_name: 'Bash', tool_use_id: 'h1' })),
      { authorization: `Bearer ${token}` },
    );
    expect(r).toEqual({ status: 200, body: '{}' });
    expect(t.engine.status().ingest.eventsThisRun).toBe(1);
  });

  it('refuses a missing or wrong token, a foreign Host, a browser Origin and oversized bodies', async () => {
    const body = JSON.stringify(hookPayload('x', 'Stop'));
    expect((await post(url, body, {})).status).toBe(401);
    expect((await post(url, body, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post(url, body, { authorization: `Bearer ${token}`, host: 'evil.example:80' })).status).toBe(403);
    expect((await post(url, body, { authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status).toBe(
      403,
    );
    const big = JSON.stringify(hookPayload('x', 'Stop', { blob: 'z'.repeat(1024 * 1024 + 1) }));
    expect((await post(url, big, { authorization: `Bearer ${token}` })).status).toBe(413);
    const bad = await post(url, '{oops', { authorization: `Bearer ${token}` });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'E_BAD_JSON' } });
    expect(
      (await post(url.replace('/v1/hooks/claude-code', '/v1/sessions'), body, { authorization: `Bearer ${token}` }))
        .status,
    ).toBe(404);
  });
});
