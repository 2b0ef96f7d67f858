import path from 'node:path';
import { Menu, Notification, Tray, nativeImage } from 'electron';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import type { Notice } from '../engine/host/recording-notices.ts';
import { trayClickAction, trayMenu, trayTooltip } from '../engine/host/tray-menu.ts';
import type { MenuEntry, TrayAction } from '../engine/host/tray-menu.ts';
import type { TrayState, TrayView } from '../engine/host/tray-view.ts';
import { APP_PATHS } from './app-paths.ts';

/**
 * Renders the tray from its model (electron/engine/host/tray-*.ts): icon, tooltip, menu. macOS gets
 * template images (black + alpha, tinted by the menu bar; Electron picks them by the `Template` suffix
 * and the @2x variant by name); Windows and Linux get coloured icons.
 */
export class AppTray {
  readonly #tray: Tray;
  readonly #onAction: (action: TrayAction) => void;
  #shown = '';

  constructor(onAction: (action: TrayAction) => void) {
    this.#onAction = onAction;
    this.#tray = new Tray(icon('idle'));
    this.#tray.setIgnoreDoubleClickEvents(true);
    const click = trayClickAction(process.platform);
    if (click !== null)
      this.#tray.on('click', () => {
        onAction(click);
      });
  }

  render(view: TrayView): void {
    const menu = trayMenu(view, process.platform);
    const key = JSON.stringify([view.state, menu]);
    if (key === this.#shown) return;
    this.#shown = key;
    this.#tray.setImage(icon(view.state));
    this.#tray.setToolTip(trayTooltip(view));
    this.#tray.setContextMenu(Menu.buildFromTemplate(menu.map((e) => this.#item(e))));
  }

  notify(notice: Notice): void {
    if (!Notification.isSupported()) return;
    new Notification({ title: notice.title, body: notice.body, silent: notice.kind !== 'failed' }).show();
  }

  destroy(): void {
    this.#tray.destroy();
  }

  #item(entry: MenuEntry): MenuItemConstructorOptions {
    switch (entry.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: entry.label, enabled: false };
      case 'action':
        return {
          label: entry.label,
          enabled: entry.enabled,
          click: () => {
            this.#onAction(entry.action);
          },
        };
    }
  }
}

function icon(state: TrayState): NativeImage {
  const name = process.platform === 'darwin' ? `tray-${state}Template.png` : `tray-${state}.png`;
  return nativeImage.createFromPath(path.join(APP_PATHS.icons, name));
}
