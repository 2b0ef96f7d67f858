import type { CaptureControl, CapturedPart, EngineLink } from './capture-protocol.ts';
import { RunRefused } from './capture-protocol.ts';

const RETRY_MS = 1000;

/**
 * The link outside Electron: the engine's loopback capture server, which served this page (same origin),
 * with the bearer token the page found in its URL fragment. Control is long-polled.
 */
export function httpLink(token: string, pageId: string): EngineLink {
  const headers = { authorization: `Bearer ${token}` };
  const query = (runId: string, extra: Record<string, string> = {}): string =>
    new URLSearchParams({ run: runId, page: pageId, ...extra }).toString();

  return {
    async nextControl(after) {
      for (;;) {
        try {
          const res = await fetch(`/v1/capture/control?after=${String(after)}`, { headers, cache: 'no-store' });
          if (res.status === 401) throw new Error('the engine refused the token: open the capture page again');
          if (res.ok) return (await res.json()) as CaptureControl;
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('the engine refused')) throw error;
          // The engine is restarting or busy: ask again shortly.
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    },
    async sendPart(runId, part: CapturedPart) {
      const q = query(runId, { kind: part.kind, wall: String(part.wallMs) });
      const res = await fetch(`/v1/capture/part?${q}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: part.bytes,
      });
      if (res.ok) return;
      throw new RunRefused(await errorText(res));
    },
    async sendEnded(runId, error) {
      const res = await fetch(`/v1/capture/ended?${query(runId)}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ error }),
      });
      // 409: the engine already ended the run (it failed it first); nothing left to tell it.
      if (!res.ok && res.status !== 409) throw new Error(await errorText(res));
    },
  };
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return `${body.error?.code ?? String(res.status)}: ${body.error?.message ?? res.statusText}`;
  } catch {
    return `HTTP ${String(res.status)}`;
  }
}
