import { toErrorBody } from '../../common/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import type { ChromiumCapture } from './chromium-capture.ts';
import { PAGE_MESSAGE } from './chromium-protocol.ts';
import type { EngineToPageMessage } from './chromium-protocol.ts';

/**
 * The part of Electron's MessagePortMain the engine uses, typed structurally: the engine never imports
 * electron (DESIGN.md §3), and Electron main hands the port over unchanged (docs/screen-capture.md).
 */
export interface CapturePagePort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/**
 * Connects a capture page's MessagePort to the hub: run orders go out as they change, parts and ends come
 * in, validated like any input from outside the engine. A refused part is answered with `refused` so the
 * page stops that run. Returns a function that detaches and closes the port.
 */
export function attachCapturePort(hub: ChromiumCapture, port: CapturePagePort, logger: Logger): () => void {
  const send = (message: EngineToPageMessage): void => {
    try {
      port.postMessage(message);
    } catch (error) {
      logger.warn('could not post to the capture page', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const unsubscribe = hub.onControl((control) => {
    send({ type: 'control', control });
  });
  port.on('message', (event) => {
    const parsed = PAGE_MESSAGE.safeParse(event.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      logger.warn('the capture page sent a malformed message', {
        at: issue?.path.map(String).join('.') ?? '',
        issue: issue?.message ?? 'invalid',
      });
      return;
    }
    const message = parsed.data;
    try {
      if (message.type === 'part') hub.part(message);
      else hub.ended(message);
    } catch (error) {
      const body = toErrorBody(error);
      if (message.type === 'part')
        send({ type: 'refused', runId: message.runId, code: body.code, message: body.message });
    }
  });
  port.on('close', unsubscribe);
  port.start();
  send({ type: 'control', control: hub.control() });
  return () => {
    unsubscribe();
    port.close();
  };
}
