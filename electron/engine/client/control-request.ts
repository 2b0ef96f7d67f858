import { EndpointClient } from './endpoint-client.ts';

/** One control request on a short-lived connection (the CLI's usual need). */
export async function controlRequest(
  socketPath: string,
  method: string,
  params: Readonly<Record<string, unknown>>,
  timeoutMs = 10_000,
): Promise<unknown> {
  const client = await EndpointClient.connect({ socketPath, api: 'control', client: 'cli', timeoutMs });
  try {
    return await client.request(method, params, timeoutMs);
  } finally {
    client.close();
  }
}
