import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AevError } from '../../common/errors.ts';

/**
 * Which backend records the screen (DESIGN.md §4). ffmpeg is the headless daemon's default; the desktop
 * app passes `chromium` and hands the engine its capture page's MessagePort. Outside Electron the
 * Chromium page reaches the engine over a loopback server of its own (`httpPort`; 0 picks a free port,
 * null turns it off), which serves the built page from `pageDir`.
 */
export type CaptureBackendConfig =
  | { readonly backend: 'ffmpeg' }
  | { readonly backend: 'chromium'; readonly httpPort: number | null; readonly pageDir: string };

type Env = Readonly<Record<string, string | undefined>>;

// Three folders up is the project root when run from source, or dist/ when run from the tsc build.
const UP = fileURLToPath(new URL('../../..', import.meta.url));
export const DEFAULT_PAGE_DIR =
  path.basename(UP) === 'dist' ? path.join(UP, 'renderer') : path.join(UP, 'dist', 'renderer');

/**
 * AEV_CAPTURE=ffmpeg|chromium (default ffmpeg), AEV_CAPTURE_PORT (the page server's port, or `off`;
 * default a free one) and AEV_CAPTURE_PAGE_DIR (the built renderer; default dist/renderer).
 */
export function captureBackendFromEnv(env: Env): CaptureBackendConfig {
  const backend = set(env.AEV_CAPTURE) ?? 'ffmpeg';
  if (backend === 'ffmpeg') return { backend };
  if (backend !== 'chromium')
    throw new AevError('E_CONFIG', `AEV_CAPTURE must be "ffmpeg" or "chromium", not ${JSON.stringify(backend)}`);
  const port = set(env.AEV_CAPTURE_PORT);
  return {
    backend,
    httpPort: port === undefined ? 0 : port === 'off' ? null : portNumber(port),
    pageDir: path.resolve(set(env.AEV_CAPTURE_PAGE_DIR) ?? DEFAULT_PAGE_DIR),
  };
}

export function checkCaptureBackend(c: CaptureBackendConfig): void {
  if (c.backend === 'ffmpeg') return;
  if (c.httpPort !== null && !(Number.isInteger(c.httpPort) && c.httpPort >= 0 && c.httpPort <= 65_535))
    throw new AevError('E_CONFIG', `invalid capture page port ${String(c.httpPort)}`);
  if (c.pageDir === '') throw new AevError('E_CONFIG', 'the capture page folder is empty');
}

function portNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new AevError('E_CONFIG', `AEV_CAPTURE_PORT must be a port number or "off", not ${JSON.stringify(text)}`);
  return n;
}

/** An empty environment variable counts as unset. */
function set(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
