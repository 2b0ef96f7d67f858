import path from 'node:path';
import { APP_SCHEME, RENDERER_HOST } from './app-call-guard.ts';

/**
 * The Content Security Policy of the app's windows (Electron security checklist §7): only the app's own
 * files; no remote content, no inline script, no eval; `blob:` media for the Media Source player and
 * `data:` images for stills; no plugins, no <base>, no framing, no form posts. 'wasm-unsafe-eval' because
 * asciinema-player's terminal emulator is WebAssembly compiled from bytes in its script (CSP Level 3,
 * "wasm-unsafe-eval"); nothing else is eval'd. The `aev ui` bridge serves the same policy.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export type AssetAnswer =
  | { readonly kind: 'file'; readonly file: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'not-found' };

/**
 * Maps an `app://renderer/<path>` request to a file of the built renderer. Never a file outside that
 * folder, whatever `..`, encoded separators or NUL the path holds; source maps and dot files are not
 * served. Query and fragment (the page's routes) are ignored.
 */
export function resolveRendererAsset(requestUrl: string, rendererDir: string): AssetAnswer {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return { kind: 'not-found' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== RENDERER_HOST) return { kind: 'not-found' };
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return { kind: 'not-found' };
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((part) => part.startsWith('.')))
    return { kind: 'not-found' };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${rel}`);
  if (!file.startsWith(root + path.sep)) return { kind: 'not-found' };
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (type === undefined) return { kind: 'not-found' };
  return {
    kind: 'file',
    file,
    headers: {
      'content-type': type,
      'content-security-policy': APP_CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    },
  };
}
