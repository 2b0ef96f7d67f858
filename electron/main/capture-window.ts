import { BrowserWindow, MessageChannelMain } from 'electron';
import { CAPTURE_PORT_CHANNEL } from '../common/ipc/app-bridge.ts';
import { RENDERER_ORIGIN } from '../engine/host/app-call-guard.ts';
import type { EngineProcessHandle } from '../engine/host/hosted-engine.ts';
import { CAPTURE_PAGE_PATH } from '../engine/host/permission-policy.ts';
import { APP_PATHS } from './app-paths.ts';
import { SECURE_WEB_PREFERENCES } from './app-windows.ts';

/**
 * The hidden, never-throttled capture page of the Chromium backend (DESIGN.md §4; docs/screen-capture.md,
 * "The Chromium backend"): it records when the engine orders a run, and its fMP4 parts go to the engine
 * over a MessagePort that main hands to both ends. Only for an engine the app hosts: a separate
 * `aev daemon` records with its own backend.
 */
export class CaptureWindow {
  #win: BrowserWindow | null = null;

  open(engine: EngineProcessHandle): void {
    if (engine.sendCapturePort === undefined) return;
    this.close();
    const win = new BrowserWindow({
      show: false,
      width: 320,
      height: 240,
      webPreferences: { ...SECURE_WEB_PREFERENCES, preload: APP_PATHS.preload, backgroundThrottling: false },
    });
    this.#win = win;
    // Every load (a reload too) gets a fresh channel; the engine detaches the previous port.
    win.webContents.on('did-finish-load', () => {
      const { port1, port2 } = new MessageChannelMain();
      win.webContents.postMessage(CAPTURE_PORT_CHANNEL, null, [port1]);
      engine.sendCapturePort?.(port2);
    });
    void win.loadURL(`${RENDERER_ORIGIN}${CAPTURE_PAGE_PATH}`);
  }

  close(): void {
    if (this.#win !== null && !this.#win.isDestroyed()) this.#win.destroy();
    this.#win = null;
  }
}
