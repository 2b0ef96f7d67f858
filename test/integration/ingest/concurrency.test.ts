import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../electron/engine/ingest/endpoint-limits.ts';
import { RawClient, hookPayload, testClient } from '../../helpers/raw-client.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

const CLIENTS = 50;
const EVENTS = 1000;

describe('many agents at once', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it(`stores ${CLIENTS} concurrent clients × ${EVENTS} events with none lost and each session in send order`, async () => {
    const socketPath = t.info.socketPath;
    const acks = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const client = await testClient(socketPath, 'ingest', 30_000);
        // Pipelined: all sends in flight at once, as a busy agent's hooks would be.
        const sent = Array.from({ length: EVENTS }, (_, i) =>
          client.sendEvent(
            {
              agent: 'claude-code',
              payload: hookPayload(`agent-${c}`, 'PostToolUse', {
                tool_name: 'Bash',
                tool_use_id: `t-${c}-${i}`,
                tool_input: { command: 'ls' },
                tool_response: { stdout: '' },
                i,
              }),
            },
            60_000,
          ),
        );
        const result = await Promise.all(sent);
        client.close();
        return result;
      }),
    );
    for (const perClient of acks) {
      expect(perClient.map((a) => a.seq)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      expect(new Set(perClient.map((a) => a.sessionId)).size).toBe(1);
    }
    const control = await testClient(socketPath, 'control', 30_000);
    const status = (await control.request('status', {}, 30_000)) as {
      ingest: { eventsTotal: number };
      sessions: { total: number };
    };
    expect(status.ingest.eventsTotal).toBe(CLIENTS * EVENTS);
    expect(status.sessions.total).toBe(CLIENTS);
    // Read one session back with payloads: stored order is send order.
    const one = (await control.request('sessions.show', { id: acks[7]![0]!.sessionId, payloads: true }, 30_000)) as {
      events: { seq: number; payload: { i: number } }[];
    };
    control.close();
    expect(one.events.map((e) => e.payload.i)).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    expect(one.events.map((e) => e.seq)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
  }, 120_000);

  it('throttles a flooding client with coded errors, then cuts it off, while a well-behaved client loses nothing', async () => {
    const strict = await startTestEngine({
      limits: { ...DEFAULT_LIMITS, framesPerSecond: 200, burst: 200, maxRateLimited: 2000 },
    });
    const flooder = await RawClient.hello(strict.info.socketPath);
    const polite = await testClient(strict.info.socketPath, 'ingest', 10_000);
    const line = `${JSON.stringify({ type: 'event', id: 'f', event: { agent: 'claude-code', payload: hookPayload('flood', 'Notification', { message: 'x' }) } })}\n`;
    // Far past the burst in one go.
    flooder.write(line.repeat(30_000));
    const politeAcks = [];
    for (let i = 0; i < 50; i++) {
      politeAcks.push(
        await polite.sendEvent(
          { agent: 'claude-code', payload: hookPayload('polite', 'Notification', { message: `m${i}` }) },
          10_000,
        ),
      );
    }
    expect(politeAcks.map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await flooder.waitFor((f) => f.code === 'E_RATE_LIMITED', 30_000);
    await flooder.closed;
    // The engine refused past the limit (some refusals may be cut short by the close itself).
    expect(strict.engine.status().ingest.rejectedFrames).toBeGreaterThan(2000);
    polite.close();
    await strict.dispose();
  }, 60_000);
});
