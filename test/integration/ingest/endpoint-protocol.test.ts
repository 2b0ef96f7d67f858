import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient, hookPayload, testClient } from '../../helpers/raw-client.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

describe('local endpoint protocol', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await startTestEngine({
      limits: {
        maxConnections: 8,
        maxFrameBytes: 1024 * 1024,
        framesPerSecond: 50_000,
        burst: 20_000,
        maxInFlight: 4096,
        maxRateLimited: 10_000,
        helloTimeoutMs: 10_000,
      },
    });
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('acknowledges an event only with its stored id, session and sequence number', async () => {
    const c = await RawClient.hello(t.info.socketPath);
    c.send({
      type: 'event',
      id: 'e1',
      event: { agent: 'claude-code', payload: hookPayload('sess-a', 'SessionStart', { source: 'startup' }) },
    });
    c.send({
      type: 'event',
      id: 'e2',
      event: { agent: 'claude-code', payload: hookPayload('sess-a', 'UserPromptSubmit', { prompt: 'hi' }) },
    });
    const a1 = await c.waitFor((f) => f.id === 'e1');
    const a2 = await c.waitFor((f) => f.id === 'e2');
    expect(a1).toMatchObject({ type: 'ack', seq: 1, recording: true });
    expect(a2).toMatchObject({ type: 'ack', seq: 2, sessionId: a1.sessionId });
    expect(a1.eventId).toMatch(/^ev_/);
    c.close();
  });

  it('refuses a connection whose first frame is not hello, and closes it', async () => {
    const c = await RawClient.connect(t.info.socketPath);
    c.send({ type: 'event', id: 1, event: {} });
    const err = await c.waitFor((f) => f.type === 'error');
    expect(err).toMatchObject({ code: 'E_NOT_HELLO', id: 1 });
    await c.closed;
  });

  it('refuses an unsupported protocol version', async () => {
    const c = await RawClient.connect(t.info.socketPath);
    c.send({ type: 'hello', id: 'h', protocol: 99, client: 'test', api: 'ingest' });
    expect(await c.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'E_PROTOCOL_VERSION' });
    await c.closed;
  });

  it('answers invalid JSON, unknown types and schema violations with coded errors and stays usable', async () => {
    const c = await RawClient.hello(t.info.socketPath);
    c.write('{not json\n');
    c.send({ type: 'teleport', id: 'u' });
    c.send({ type: 'event', id: 's1', event: { agent: 'claude-code', payload: { hook_event_name: 'PreToolUse' } } });
    c.send({ type: 'event', id: 's2', event: { agent: 'nobody', payload: hookPayload('x', 'Stop') } });
    c.send({ type: 'event', id: 's3', event: { agent: 'claude-code', payload: hookPayload('\ud800lone', 'Stop') } });
    c.send([1, 2, 3]);
    c.send({ type: 'event', id: 'good', event: { agent: 'claude-code', payload: hookPayload('sess-b', 'Stop') } });
    expect(await c.waitFor((f) => f.code === 'E_BAD_JSON')).toMatchObject({ id: null });
    expect(await c.waitFor((f) => f.id === 'u')).toMatchObject({ code: 'E_UNKNOWN_TYPE' });
    expect(await c.waitFor((f) => f.id === 's1')).toMatchObject({ code: 'E_SCHEMA' });
    expect(await c.waitFor((f) => f.id === 's2')).toMatchObject({ code: 'E_SCHEMA' });
    expect(await c.waitFor((f) => f.id === 's3')).toMatchObject({
      code: 'E_SCHEMA',
      message: expect.stringContaining('well-formed') as unknown,
    });
    expect(await c.waitFor((f) => f.id === 'good')).toMatchObject({ type: 'ack', seq: 1 });
    c.close();
  });

  it('refuses a frame over 1 MiB without buffering it, then goes on with the next frame', async () => {
    const c = await RawClient.hello(t.info.socketPath);
    const huge = JSON.stringify({
      type: 'event',
      id: 'big',
      event: { agent: 'claude-code', payload: hookPayload('s', 'Stop', { blob: 'x'.repeat(1024 * 1024 + 10) }) },
    });
    // Send it in pieces, as a real client's writes would arrive.
    for (let i = 0; i < huge.length; i += 65_536) c.write(huge.slice(i, i + 65_536));
    c.write('\n');
    c.send({ type: 'event', id: 'after', event: { agent: 'claude-code', payload: hookPayload('s', 'Stop') } });
    expect(await c.waitFor((f) => f.code === 'E_FRAME_TOO_LARGE')).toBeTruthy();
    expect(await c.waitFor((f) => f.id === 'after')).toMatchObject({ type: 'ack' });
    c.close();
  });

  it('keeps ingest and control apart: an ingest connection cannot query, a control one cannot append', async () => {
    const ingest = await RawClient.hello(t.info.socketPath, 'ingest');
    ingest.send({ type: 'request', id: 'q', method: 'sessions.list', params: {} });
    expect(await ingest.waitFor((f) => f.id === 'q')).toMatchObject({ type: 'error', code: 'E_WRONG_API' });
    const control = await RawClient.hello(t.info.socketPath, 'control');
    control.send({ type: 'event', id: 'e', event: { agent: 'claude-code', payload: hookPayload('s', 'Stop') } });
    expect(await control.waitFor((f) => f.id === 'e')).toMatchObject({ type: 'error', code: 'E_WRONG_API' });
    control.send({ type: 'request', id: 'm', method: 'sessions.delete', params: {} });
    expect(await control.waitFor((f) => f.id === 'm')).toMatchObject({ code: 'E_UNKNOWN_METHOD' });
    ingest.close();
    control.close();
  });

  it('refuses connections beyond the limit while the others keep working', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => RawClient.hello(t.info.socketPath)));
    const extra = await RawClient.connect(t.info.socketPath);
    expect(await extra.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'E_TOO_MANY_CONNECTIONS' });
    await extra.closed;
    const first = held[0]!;
    first.send({ type: 'event', id: 'still', event: { agent: 'claude-code', payload: hookPayload('s', 'Stop') } });
    expect(await first.waitFor((f) => f.id === 'still')).toMatchObject({ type: 'ack' });
    for (const h of held) h.close();
  });

  it('pairs PreToolUse with PostToolUse by tool_use_id and measures the duration', async () => {
    const client = await testClient(t.info.socketPath, 'ingest');
    const send = (kind: string, extra: Record<string, unknown>): Promise<unknown> =>
      client.sendEvent({ agent: 'claude-code', payload: hookPayload('pair', kind, extra) }, 5000);
    const bash = { tool_name: 'Bash', tool_use_id: 'toolu_1', tool_input: { command: 'ls' } };
    const read = { tool_name: 'Read', tool_use_id: 'toolu_2', tool_input: { file_path: '/x' } };
    await send('PreToolUse', bash);
    await new Promise((r) => setTimeout(r, 50));
    await send('PostToolUse', { ...bash, tool_response: { stdout: 'a' } });
    await send('PreToolUse', read);
    await send('PostToolUseFailure', { ...read, error: 'ENOENT' });
    const last = await client.sendEvent(
      { agent: 'claude-code', payload: hookPayload('pair', 'SessionEnd', { reason: 'exit' }) },
      5000,
    );
    client.close();
    const control = await testClient(t.info.socketPath, 'control');
    const detail = (await control.request('sessions.show', { id: last.sessionId }, 5000)) as {
      session: { state: string; endReason: string };
      toolCalls: { toolUseId: string; outcome: string; durationMs: number }[];
    };
    control.close();
    expect(detail.session).toMatchObject({ state: 'ended', endReason: 'session-end' });
    const bashCall = detail.toolCalls.find((x) => x.toolUseId === 'toolu_1')!;
    expect(bashCall.outcome).toBe('success');
    expect(bashCall.durationMs).toBeGreaterThanOrEqual(45);
    expect(bashCall.durationMs).toBeLessThan(5000);
    expect(detail.toolCalls.find((x) => x.toolUseId === 'toolu_2')).toMatchObject({ outcome: 'failure' });
  });

  it('starts a new session after SessionEnd even when the agent reuses its session id', async () => {
    const client = await testClient(t.info.socketPath, 'ingest');
    const a = await client.sendEvent(
      { agent: 'claude-code', payload: hookPayload('reuse', 'SessionEnd', { reason: 'exit' }) },
      5000,
    );
    const b = await client.sendEvent(
      { agent: 'claude-code', payload: hookPayload('reuse', 'SessionStart', { source: 'resume' }) },
      5000,
    );
    client.close();
    expect(b.sessionId).not.toBe(a.sessionId);
    expect(b.seq).toBe(1);
  });
});
