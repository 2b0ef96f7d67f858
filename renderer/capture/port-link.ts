import type { CaptureControl, EngineLink } from './capture-protocol.ts';
import { RunRefused } from './capture-protocol.ts';

/** What the engine posts on the port (electron/engine/capture/chromium-protocol.ts, EngineToPageMessage). */
type FromEngine =
  | { readonly type: 'control'; readonly control: CaptureControl }
  | { readonly type: 'refused'; readonly runId: string; readonly code: string; readonly message: string };

/** How the preload script hands the port over: `window.postMessage({ type: PORT_MESSAGE }, '*', [port])`. */
// Must equal CAPTURE_PORT_WINDOW_MESSAGE (electron/common/ipc/app-bridge.ts): the renderer imports no values from common.
export const PORT_MESSAGE = 'aev-capture-port';

/** In the desktop app: waits for the MessagePort that Electron main sends through the preload script. */
export function waitForEnginePort(): Promise<MessagePort> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent<unknown>): void => {
      const data = event.data as { type?: unknown } | null;
      const port = event.ports[0];
      // Only this window's own scripts (the preload) post to it; anything else is ignored.
      if (event.source !== window || data?.type !== PORT_MESSAGE || port === undefined) return;
      window.removeEventListener('message', onMessage);
      resolve(port);
    };
    window.addEventListener('message', onMessage);
  });
}

/**
 * The link in the desktop app: a MessagePort whose other end is the engine (Electron main passes it to
 * the engine's utility process). The engine pushes each control change; a refused part is reported
 * back asynchronously, and the next part of that run fails with RunRefused.
 */
export function portLink(port: MessagePort, pageId: string): EngineLink {
  let latest: CaptureControl = { version: -1, run: null };
  const waiters = new Set<() => void>();
  const refused = new Map<string, string>();
  port.onmessage = (event: MessageEvent<FromEngine>) => {
    const message = event.data;
    if (message.type === 'control') {
      latest = message.control;
      for (const wake of [...waiters]) wake();
    } else refused.set(message.runId, `${message.code}: ${message.message}`);
  };
  port.start();
  return {
    nextControl(after) {
      if (latest.version > after) return Promise.resolve(latest);
      return new Promise((resolve) => {
        const wake = (): void => {
          if (latest.version <= after) return;
          waiters.delete(wake);
          resolve(latest);
        };
        waiters.add(wake);
      });
    },
    sendPart(runId, part) {
      const why = refused.get(runId);
      if (why !== undefined) return Promise.reject(new RunRefused(why));
      port.postMessage({ type: 'part', runId, pageId, kind: part.kind, wallMs: part.wallMs, bytes: part.bytes }, [
        part.bytes.buffer,
      ]);
      return Promise.resolve();
    },
    sendEnded(runId, error) {
      port.postMessage({ type: 'ended', runId, pageId, error });
      return Promise.resolve();
    },
  };
}
