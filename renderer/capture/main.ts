import { followEngine } from './capture-page.ts';
import type { EngineLink } from './capture-protocol.ts';
import { httpLink } from './http-link.ts';
import { pageStatus } from './page-status.ts';
import { portLink, waitForEnginePort } from './port-link.ts';
import { screenPickFrom } from './screen-stream.ts';

// The capture page (DESIGN.md §4). In the desktop app Electron main loads it in a hidden window and
// hands it a MessagePort to the engine; in a browser the engine's loopback server serves it, with its
// token in the URL fragment (read once, then removed from the visible address).
const element = document.getElementById('status');
if (element === null) throw new Error('the capture page has no #status element');
const status = pageStatus(element);
status.set('connecting', '');
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname + location.search);
const pageId = crypto.randomUUID();
const link: EngineLink = token === null ? portLink(await waitForEnginePort(), pageId) : httpLink(token, pageId);
followEngine(link, screenPickFrom(location.search), status).catch((error: unknown) => {
  status.set('failed', error instanceof Error ? error.message : String(error));
});
