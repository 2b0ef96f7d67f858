import { APP_SCHEME, RENDERER_HOST, isRendererPage } from './app-call-guard.ts';

/**
 * The renderer's capture page (DESIGN.md §4, Chromium backend): the one page that may capture the screen.
 * It asks for `display-capture` only; camera and microphone (`media`) are never granted, so the macOS
 * app needs no camera or microphone entitlement (docs/desktop-app.md).
 */
export const CAPTURE_PAGE_PATH = '/capture/index.html';

/**
 * Electron's permission request handler, as a decision (Electron security checklist §5: handle session
 * permission requests from remote content; here everything is refused unless a page of ours needs it).
 */
export function permissionAllowed(permission: string, requestingUrl: string, isMainFrame: boolean): boolean {
  if (!isMainFrame || !isRendererPage(requestingUrl)) return false;
  switch (permission) {
    case 'display-capture':
      return new URL(requestingUrl).pathname === CAPTURE_PAGE_PATH;
    case 'fullscreen':
      // The player's fullscreen button.
      return true;
    default:
      return false;
  }
}

/** Electron's synchronous permission check, which sees only the requesting origin. */
export function permissionCheckAllowed(permission: string, requestingOrigin: string): boolean {
  if (requestingOrigin !== `${APP_SCHEME}://${RENDERER_HOST}`) return false;
  return permission === 'display-capture' || permission === 'fullscreen';
}

/**
 * Whether a window may navigate (Electron security checklist §13: limit navigation). Only within the app
 * page it already shows: a prompt posting its form to itself, the renderer reloading. Never to another
 * of our hosts, a file, or the web.
 */
export function navigationAllowed(fromUrl: string, toUrl: string): boolean {
  let from: URL;
  let to: URL;
  try {
    from = new URL(fromUrl);
    to = new URL(toUrl);
  } catch {
    return false;
  }
  return (
    from.protocol === `${APP_SCHEME}:` &&
    to.protocol === from.protocol &&
    to.hostname === from.hostname &&
    to.port === '' &&
    to.username === '' &&
    to.password === ''
  );
}
