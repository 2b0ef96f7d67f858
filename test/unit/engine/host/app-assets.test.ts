import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CSP, resolveRendererAsset } from '../../../../electron/engine/host/app-assets.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

let tmp: ReturnType<typeof makeTempDir>;
let dir: string;

beforeAll(() => {
  tmp = makeTempDir();
  dir = path.join(tmp.dir, 'renderer');
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), '');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js.map'), '{}');
  fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), 'outside');
});
afterAll(() => {
  tmp.cleanup();
});

describe('the app:// protocol serves the built renderer and nothing else', () => {
  it('serves the page at the root, its scripts, with the CSP and no sniffing', () => {
    const page = resolveRendererAsset('app://renderer/', dir);
    expect(page).toMatchObject({ kind: 'file', file: path.join(dir, 'index.html') });
    if (page.kind === 'file') {
      expect(page.headers['content-security-policy']).toBe(APP_CSP);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    }
    expect(resolveRendererAsset('app://renderer/assets/app.js?v=1#/x', dir)).toMatchObject({
      kind: 'file',
      file: path.join(dir, 'assets', 'app.js'),
    });
  });

  it.each([
    ['a parent path', 'app://renderer/../secret.txt'],
    ['an encoded parent path', 'app://renderer/%2e%2e/secret.txt'],
    ['an encoded separator', 'app://renderer/..%2fsecret.txt'],
    ['a backslash', 'app://renderer/..%5csecret.txt'],
    ['a NUL byte', 'app://renderer/index.html%00.js'],
    ['a dot file', 'app://renderer/.env'],
    ['a source map (an unknown type)', 'app://renderer/assets/app.js.map'],
    ['broken percent-encoding', 'app://renderer/%E0%A4%A'],
    ['another host', 'app://prompt/index.html'],
    ['another scheme', 'file:///etc/passwd'],
  ])('refuses %s', (_what, url) => {
    expect(resolveRendererAsset(url, dir)).toEqual({ kind: 'not-found' });
  });

  it('allows no remote source, no inline script and no framing', () => {
    expect(APP_CSP).toContain("default-src 'self'");
    expect(APP_CSP).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(APP_CSP).toContain("media-src 'self' blob:");
    expect(APP_CSP).toContain("frame-ancestors 'none'");
    expect(APP_CSP).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
  });
});
