import type { AppApi, AppMethod } from '../../../electron/common/ipc/app-api.ts';
import type { Result } from '../../../electron/common/result.ts';

/** One call of the app API, however it travels: the preload bridge in Electron, HTTP from `aev ui`. */
export type AppCall = (method: AppMethod, params: unknown) => Promise<Result<unknown>>;

/**
 * The typed API over a transport. Every method takes one JSON object and answers a Result
 * (electron/common/ipc/app-api.ts); the renderer imports the contract as types only, so the method
 * table is a Proxy rather than a list copied from it.
 */
export function appClient(call: AppCall): AppApi {
  return new Proxy({} as AppApi, {
    get: (_target, method) =>
      typeof method === 'string' ? (params: unknown) => call(method as AppMethod, params) : undefined,
  });
}
