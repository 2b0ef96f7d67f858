import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookPayload, testClient } from '../../helpers/raw-client.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

describe('sessions', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ sessionIdleMs: 1000 });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('keeps several agents apart and ends an idle session after the timeout', async () => {
    const client = await testClient(t.info.socketPath, 'ingest');
    const a = await client.sendEvent({ agent: 'claude-code', payload: hookPayload('idle-a', 'SessionStart') }, 5000);
    const b = await client.sendEvent({ agent: 'codex', payload: hookPayload('idle-a', 'SessionStart') }, 5000);
    client.close();
    expect(a.sessionId).not.toBe(b.sessionId);
    await new Promise((r) => setTimeout(r, 2600));
    const control = await testClient(t.info.socketPath, 'control');
    const list = (await control.request('sessions.list', {}, 5000)) as {
      id: string;
      state: string;
      endReason: string | null;
      agent: string;
    }[];
    control.close();
    expect(list.find((s) => s.id === a.sessionId)).toMatchObject({
      state: 'ended',
      endReason: 'idle',
      agent: 'claude-code',
    });
    expect(list.find((s) => s.id === b.sessionId)).toMatchObject({ state: 'ended', agent: 'codex' });
  });
});
