import { BrowserWindow } from 'electron';
import type { WebPreferences } from 'electron';
import { RENDERER_ORIGIN } from '../engine/host/app-call-guard.ts';
import { APP_PATHS } from './app-paths.ts';

/**
 * Every window of the app (Electron security checklist §2–§4, §6, §14): isolated, sandboxed, no Node,
 * web security on, no <webview>, no insecure content. Prompt windows use these as they are (no preload at
 * all); the main window adds the preload that exposes the app API.
 */
export const SECURE_WEB_PREFERENCES: WebPreferences = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
};

/** The renderer's screens the tray opens (hash routes of renderer/src). */
export const APP_ROUTES = ['sessions', 'export', 'verify', 'settings'] as const;
export type AppRoute = (typeof APP_ROUTES)[number];

/** The one main window: created on demand, reused, hidden rather than kept when closed. */
export class AppWindows {
  #main: BrowserWindow | null = null;

  open(route: AppRoute): void {
    const url = `${RENDERER_ORIGIN}/index.html#/${route}`;
    let win = this.#main;
    if (win === null || win.isDestroyed()) {
      win = new BrowserWindow({
        width: 1280,
        height: 820,
        minWidth: 800,
        minHeight: 560,
        title: 'Agent Evidence',
        show: false,
        autoHideMenuBar: true,
        webPreferences: { ...SECURE_WEB_PREFERENCES, preload: APP_PATHS.preload },
      });
      win.once('ready-to-show', () => {
        win?.show();
      });
      win.on('closed', () => {
        this.#main = null;
      });
      this.#main = win;
      void win.loadURL(url);
      return;
    }
    // Same document, another fragment: a same-document navigation, the renderer follows the hash.
    void win.loadURL(url);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }
}
