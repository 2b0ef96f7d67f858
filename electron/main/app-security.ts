import { app, desktopCapturer, session } from 'electron';
import { navigationAllowed, permissionAllowed, permissionCheckAllowed } from '../engine/host/permission-policy.ts';

/**
 * Session-wide limits (Electron security checklist): permissions refused unless a page of ours needs
 * them, screen capture only for the capture page, no navigation away from the app's pages, no new
 * windows, no <webview>. The decisions are electron/engine/host/permission-policy.ts, tested in Node.
 */
export function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const url = 'requestingUrl' in details ? details.requestingUrl : '';
    const mainFrame = 'isMainFrame' in details ? details.isMainFrame : false;
    callback(permissionAllowed(permission, url, mainFrame));
  });
  ses.setPermissionCheckHandler((_contents, permission, origin) => permissionCheckAllowed(permission, origin));
  // getDisplayMedia from the capture page: the primary screen, without a picker (the app records the screen).
  ses.setDisplayMediaRequestHandler((request, callback) => {
    const frame = request.frame;
    if (
      frame === null ||
      !permissionAllowed('display-capture', frame.url, frame.parent === null) ||
      request.audioRequested
    ) {
      callback(null);
      return;
    }
    desktopCapturer.getSources({ types: ['screen'] }).then(
      (sources) => {
        const screen = sources[0];
        callback(screen === undefined ? null : { video: screen });
      },
      () => {
        callback(null);
      },
    );
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!navigationAllowed(contents.getURL(), url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!navigationAllowed(contents.getURL(), url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
