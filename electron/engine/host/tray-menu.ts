import type { TrayView } from './tray-view.ts';

/** What a tray menu item does; Electron main maps each to its handler. */
export const TRAY_ACTIONS = [
  'pause',
  'resume',
  'open-sessions',
  'export',
  'verify',
  'settings',
  'retry',
  'quit',
] as const;
export type TrayAction = (typeof TRAY_ACTIONS)[number];

export type MenuEntry =
  | { readonly kind: 'label'; readonly label: string }
  | { readonly kind: 'separator' }
  | { readonly kind: 'action'; readonly action: TrayAction; readonly label: string; readonly enabled: boolean };

/**
 * The tray menu as data (main only renders it): status line, pause/resume, the app's screens, quit.
 * Labels follow each platform's wording: macOS and Linux "Quit <App>", Windows "Exit"; an ellipsis marks
 * items that ask for more before acting (Apple HIG, Windows UX guidelines).
 */
export function trayMenu(view: TrayView, platform: NodeJS.Platform, appName = 'Agent Evidence'): MenuEntry[] {
  const entries: MenuEntry[] = [
    { kind: 'label', label: view.statusLine },
    { kind: 'label', label: view.engineLine },
    ...view.problems.map((p): MenuEntry => ({ kind: 'label', label: `⚠ ${p.text}` })),
    { kind: 'separator' },
  ];
  if (view.paused) entries.push({ kind: 'action', action: 'resume', label: 'Resume recording', enabled: true });
  else entries.push({ kind: 'action', action: 'pause', label: 'Pause recording…', enabled: view.reachable });
  if (!view.reachable && view.engineLine !== 'Engine: starting')
    entries.push({ kind: 'action', action: 'retry', label: 'Start the engine again', enabled: true });
  entries.push(
    { kind: 'separator' },
    { kind: 'action', action: 'open-sessions', label: 'Open sessions', enabled: view.reachable },
    { kind: 'action', action: 'export', label: 'Export a clip…', enabled: view.reachable },
    // Verifying a bundle needs no vault and no recording: it stays available when the engine is down.
    { kind: 'action', action: 'verify', label: 'Verify a bundle…', enabled: true },
    { kind: 'action', action: 'settings', label: 'Settings…', enabled: true },
    { kind: 'separator' },
    { kind: 'action', action: 'quit', label: platform === 'win32' ? 'Exit' : `Quit ${appName}`, enabled: true },
  );
  return entries;
}

/** The tooltip: the app's name and the status line (Windows shows at most 127 characters). */
export function trayTooltip(view: TrayView, appName = 'Agent Evidence'): string {
  const text = `${appName}: ${view.problems[0]?.text ?? view.statusLine}`;
  return text.length <= 127 ? text : `${text.slice(0, 126)}…`;
}

/**
 * What a left click on the tray icon does: on Windows it opens the app's window (the notification-area
 * convention; the menu is on the right button); on macOS and Linux a click opens the menu itself.
 */
export function trayClickAction(platform: NodeJS.Platform): TrayAction | null {
  return platform === 'win32' ? 'open-sessions' : null;
}
