import fs from 'node:fs/promises';
import { protocol } from 'electron';
import { resolveRendererAsset } from '../engine/host/app-assets.ts';
import { APP_SCHEME, RENDERER_HOST } from '../engine/host/app-call-guard.ts';
import { PROMPT_HOST } from '../engine/host/prompt-page.ts';
import { APP_PATHS } from './app-paths.ts';
import type { Prompts } from './prompts.ts';

/**
 * `app://` is registered before `ready` as a standard, secure scheme: pages get a real origin (unlike
 * file://, where every local file shares one), so CSP 'self', the IPC sender check and navigation limits
 * all have something exact to compare with.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/** Serves app://renderer/ from the built renderer and app://prompt/ from the tray's prompts. */
export function serveAppScheme(prompts: Prompts): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const host = new URL(request.url).hostname;
    if (host === PROMPT_HOST) return prompts.handle(request);
    if (host !== RENDERER_HOST || (request.method !== 'GET' && request.method !== 'HEAD'))
      return new Response('not found', { status: 404 });
    const asset = resolveRendererAsset(request.url, APP_PATHS.renderer);
    if (asset.kind === 'not-found') return new Response('not found', { status: 404 });
    try {
      return new Response(await fs.readFile(asset.file), { headers: asset.headers });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
