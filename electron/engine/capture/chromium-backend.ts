import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { ChromiumCapture } from './chromium-capture.ts';
import type { CaptureBackendConfig } from './chromium-config.ts';
import { attachCapturePort } from './chromium-page-port.ts';
import type { CapturePagePort } from './chromium-page-port.ts';
import { capturePageInfoPath, ChromiumPageServer } from './chromium-page-server.ts';
import type { ScreenSettings, ScreenSource } from './screen-source.ts';

export interface ChromiumBackend {
  /** ScreenCapture's `source` factory. */
  readonly source: (settings: ScreenSettings) => Promise<ScreenSource>;
  /** Connects a capture page's MessagePort (the desktop app); returns a function that detaches it. */
  attach(port: CapturePagePort): () => void;
  /** After ScreenCapture stopped: answers pending polls and closes the page server. */
  close(): Promise<void>;
}

export interface ChromiumBackendDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runtimeDir: string;
  readonly boundaryAtOrAfter: (ms: number) => number;
}

/**
 * The Chromium capture backend as the engine composes it: the hub, plus its loopback page server when
 * one is configured (outside Electron). The page's address and token go to `<runtime>/capture-page.json`
 * (0600); the log names the address and that file, never the token.
 */
export async function startChromiumBackend(
  config: Extract<CaptureBackendConfig, { backend: 'chromium' }>,
  deps: ChromiumBackendDeps,
): Promise<ChromiumBackend> {
  const hub = new ChromiumCapture({
    clock: deps.clock,
    logger: deps.logger,
    boundaryAtOrAfter: deps.boundaryAtOrAfter,
  });
  let server: ChromiumPageServer | null = null;
  if (config.httpPort !== null) {
    server = new ChromiumPageServer(hub, { pageDir: config.pageDir, clock: deps.clock });
    const infoPath = capturePageInfoPath(deps.runtimeDir);
    await server.listen(config.httpPort, infoPath);
    if (!fs.existsSync(path.join(config.pageDir, 'capture', 'index.html')))
      deps.logger.warn('the capture page is not built: run `npm run build:renderer`', { pageDir: config.pageDir });
    deps.logger.info('capture page ready: open it in Chromium', { url: server.pageUrl, tokenIn: infoPath });
  }
  return {
    source: (settings) => hub.source(settings),
    attach: (port) => attachCapturePort(hub, port, deps.logger),
    async close() {
      hub.close();
      await server?.close();
    },
  };
}
