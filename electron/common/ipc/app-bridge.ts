/**
 * The Electron transport of the app API (app-api.ts): the preload exposes an `AppApi` object as
 * `window.aev`, one function per method of APP_METHODS, each sending `(method, params)` on this one
 * channel; Electron main answers it with one generic handler that checks the sender and validates the
 * arguments with APP_PARAMS_SCHEMAS before `serveAppCall` runs (docs/desktop-app.md).
 */
export const APP_IPC_CHANNEL = 'aev:call';

/** The global the preload exposes the API under. */
export const APP_BRIDGE_GLOBAL = 'aev';

/**
 * Main → the hidden capture page's preload: carries the MessagePort whose other end is the engine
 * (DESIGN.md §4, Chromium backend). The preload re-posts it to the page as `{ type: 'aev-capture-port' }`.
 */
export const CAPTURE_PORT_CHANNEL = 'aev:capture-port';
export const CAPTURE_PORT_WINDOW_MESSAGE = 'aev-capture-port';
