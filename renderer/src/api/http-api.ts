import type { AppMethod } from '../../../electron/common/ipc/app-api.ts';
import type { Result } from '../../../electron/common/result.ts';
import type { AppCall } from './app-client.ts';

/**
 * The app API over the loopback bridge of `aev ui` (POST /api/<method>, Bearer token from the page URL).
 * The bridge validates every argument; this side only packs them and unpacks the answer.
 */
export function httpCall(token: string, base = ''): AppCall {
  return async (method: AppMethod, params: unknown): Promise<Result<unknown>> => {
    try {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      return (await res.json()) as Result<unknown>;
    } catch (error) {
      return { ok: false, code: 'E_DAEMON_UNREACHABLE', message: `the UI bridge did not answer: ${String(error)}` };
    }
  };
}
