import type { MessagePort } from 'node:worker_threads';
import type { CapturePagePort } from '../../electron/engine/capture/chromium-page-port.ts';

/**
 * Node's MessagePort as Electron's MessagePortMain presents itself (listeners get `{ data }`): the
 * engine side is the real adapter over a real port with structured cloning; only Electron is absent.
 */
export function asElectronPort(port: MessagePort): CapturePagePort {
  return {
    postMessage: (message) => {
      port.postMessage(message);
    },
    on(event: 'message' | 'close', listener: ((e: { data: unknown }) => void) | (() => void)) {
      if (event === 'message') {
        const onMessage: (e: { data: unknown }) => void = listener;
        port.on('message', (data: unknown) => {
          onMessage({ data });
        });
      } else port.on('close', listener);
      return this;
    },
    start: () => {
      port.start();
    },
    close: () => {
      port.close();
    },
  };
}
