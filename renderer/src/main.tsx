import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { AppApi } from '../../electron/common/ipc/app-api.ts';
import { appClient } from './api/app-client.ts';
import { httpCall } from './api/http-api.ts';
import { App } from './app.tsx';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import './styles.css';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge, electron/preload/preload.ts): the same API over IPC. */
    readonly aev?: AppApi;
  }
}

// In Electron the preload provides the API; from `aev ui` the bridge prints the address with its
// per-start token, which leaves the visible URL once read (the hash, the route, stays).
const token = new URLSearchParams(location.search).get('token') ?? '';
history.replaceState(null, '', location.pathname + location.hash);
const api = window.aev ?? appClient(httpCall(token));
const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(
    <StrictMode>
      <App api={api} />
    </StrictMode>,
  );
