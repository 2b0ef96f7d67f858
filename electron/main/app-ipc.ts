import { ipcMain } from 'electron';
import { APP_IPC_CHANNEL } from '../common/ipc/app-bridge.ts';
import type { Result } from '../common/result.ts';
import { checkAppMessage } from '../engine/host/app-call-guard.ts';
import type { CheckedCall } from '../engine/host/app-call-guard.ts';

/**
 * The one IPC handler (GitHub Desktop's pattern): every renderer call arrives on APP_IPC_CHANNEL and
 * passes the sender check and the zod validation (electron/engine/host/app-call-guard.ts) before
 * `serve` runs it. Answers are plain Results: Electron drops error classes across IPC.
 */
export function handleAppCalls(serve: (call: CheckedCall) => Promise<Result<unknown>>): void {
  ipcMain.handle(APP_IPC_CHANNEL, (event, ...args: unknown[]) => {
    const frame = event.senderFrame;
    const checked = checkAppMessage(frame === null ? null : { url: frame.url, topFrame: frame.parent === null }, args);
    return checked.ok ? serve(checked.value) : checked;
  });
}
