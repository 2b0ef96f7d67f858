import type { AppApi, AppMethod, VideoSegment, VideoSegmentWire } from '../../../electron/common/ipc/app-api.ts';
import type { Result } from '../../../electron/common/result.ts';
import { bytesFromBase64 } from './base64.ts';

/**
 * The app API over the loopback bridge of `aev ui` (POST /api/<method>, Bearer token from the page URL).
 * The bridge validates every argument; this side only packs them and unpacks the answer.
 */
export function httpApi(token: string, base = ''): AppApi {
  async function call<T>(method: AppMethod, params: Readonly<Record<string, unknown>>): Promise<Result<T>> {
    try {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      return (await res.json()) as Result<T>;
    } catch (error) {
      return { ok: false, code: 'E_DAEMON_UNREACHABLE', message: `the UI bridge did not answer: ${String(error)}` };
    }
  }
  return {
    status: () => call('status', {}),
    listSessions: (params) => call('listSessions', params),
    showSession: (id, payloads) => call('showSession', payloads === undefined ? { id } : { id, payloads }),
    async readVideo(recording, from, to): Promise<Result<VideoSegment>> {
      const r = await call<VideoSegmentWire>('readVideo', { recording, from, to });
      return r.ok ? { ok: true, value: { ...r.value, mp4: bytesFromBase64(r.value.mp4) } } : r;
    },
    pause: (reason) => call('pause', { reason }),
    resume: () => call('resume', {}),
  };
}
