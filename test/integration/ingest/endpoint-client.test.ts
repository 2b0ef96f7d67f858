import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointClient } from '../../../electron/engine/client/endpoint-client.ts';
import type { ClientKind } from '../../../electron/common/model/agent.ts';
import { hookPayload } from '../../helpers/raw-client.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

const event = (session: string, kind: string) => ({
  agent: 'claude-code' as const,
  payload: hookPayload(session, kind),
});

describe('EndpointClient.open: hello and the first request in one round trip', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await startTestEngine();
  });
  afterEach(async () => {
    await t.dispose();
  });
  const open = (api: 'ingest' | 'control', client: ClientKind) =>
    EndpointClient.open({ socketPath: t.info.socketPath, api, client, timeoutMs: 5000 });

  it('sends an event behind its hello without waiting, and gets the durable ack', async () => {
    const client = await open('ingest', 'hook');
    const [a, b] = await Promise.all([
      client.sendEvent(event('pipelined', 'SessionStart'), 5000),
      client.sendEvent(event('pipelined', 'Stop'), 5000),
    ]);
    expect(a).toMatchObject({ type: 'ack', seq: 1, recording: true });
    expect(b).toMatchObject({ type: 'ack', seq: 2, sessionId: a.sessionId });
    client.close();
  });

  it('answers a request on a control connection opened the same way', async () => {
    const client = await open('control', 'cli');
    expect(await client.request('status', {}, 5000)).toMatchObject({ recording: true });
    client.close();
  });

  it("fails every call with the hello's own refusal, not a closed connection", async () => {
    const client = await open('ingest', 'no-such-kind' as ClientKind);
    await expect(client.sendEvent(event('refused', 'Stop'), 5000)).rejects.toMatchObject({
      code: 'E_SCHEMA',
      message: expect.stringContaining('invalid hello') as string,
    });
    // Nothing of it was stored: the engine never switched the connection to ingest.
    const control = await EndpointClient.connect({
      socketPath: t.info.socketPath,
      api: 'control',
      client: 'cli',
      timeoutMs: 5000,
    });
    const sessions = (await control.request('sessions.list', {}, 5000)) as unknown[];
    expect(sessions).toEqual([]);
    control.close();
  });

  it('connect still reports a refused hello itself', async () => {
    await expect(
      EndpointClient.connect({
        socketPath: t.info.socketPath,
        api: 'ingest',
        client: 'x' as ClientKind,
        timeoutMs: 5000,
      }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA' });
  });
});
