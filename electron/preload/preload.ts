// The preload (DESIGN.md §3: contextBridge API, nothing else). It runs sandboxed, so it is bundled into
// one CommonJS file (build/build-app.ts). The page gets `window.aev`, an AppApi with one function per
// app method; each sends (method, params) on the one IPC channel, where main checks the sender and
// validates the arguments before anything runs.
import { contextBridge, ipcRenderer } from 'electron';
import { APP_METHODS } from '../common/ipc/app-api.ts';
import type { AppApi } from '../common/ipc/app-api.ts';
import {
  APP_BRIDGE_GLOBAL,
  APP_IPC_CHANNEL,
  CAPTURE_PORT_CHANNEL,
  CAPTURE_PORT_WINDOW_MESSAGE,
} from '../common/ipc/app-bridge.ts';

const api = Object.fromEntries(
  APP_METHODS.map((method) => [method, (params: unknown) => ipcRenderer.invoke(APP_IPC_CHANNEL, method, params)]),
) as unknown as AppApi;

contextBridge.exposeInMainWorld(APP_BRIDGE_GLOBAL, api);

// The capture page's link to the engine: main sends a MessagePort, which only the page's main world can
// use, so it is re-posted to the window (Electron's MessagePort guide). Only main sends on this channel.
ipcRenderer.on(CAPTURE_PORT_CHANNEL, (event) => {
  window.postMessage({ type: CAPTURE_PORT_WINDOW_MESSAGE }, '*', event.ports);
});
