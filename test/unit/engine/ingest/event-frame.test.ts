import { describe, expect, it } from 'vitest';
import { eventFrameSchema } from '../../../../electron/common/protocol/frames.ts';
import { parseEventFrame } from '../../../../electron/engine/ingest/event-frame.ts';

const payload = { session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } };
const event = { agent: 'claude-code', payload };

/** Frames as JSON.parse hands them over (own keys such as __proto__ included). */
const FRAMES: Record<string, string> = {
  minimal: JSON.stringify({ type: 'event', id: 1, event }),
  'string id': JSON.stringify({ type: 'event', id: 'req-1', event }),
  'every optional field': JSON.stringify({
    type: 'event',
    id: 7,
    event: { ...event, sentAt: '2026-11-30T02:00:00.000+01:00', terminalId: 't_1', truncated: { tool_response: 9 } },
  }),
  'unknown keys (stripped)': JSON.stringify({ type: 'event', id: 2, extra: 1, event: { ...event, other: true } }),
  'empty string id': JSON.stringify({ type: 'event', id: '', event }),
  'negative id': JSON.stringify({ type: 'event', id: -1, event }),
  'fractional id': JSON.stringify({ type: 'event', id: 1.5, event }),
  'id too long': JSON.stringify({ type: 'event', id: 'x'.repeat(129), event }),
  'no id': JSON.stringify({ type: 'event', event }),
  'unknown agent': JSON.stringify({ type: 'event', id: 1, event: { ...event, agent: 'robot' } }),
  'event is an array': JSON.stringify({ type: 'event', id: 1, event: [event] }),
  'event is null': JSON.stringify({ type: 'event', id: 1, event: null }),
  'payload is an array': JSON.stringify({ type: 'event', id: 1, event: { ...event, payload: [1] } }),
  'payload is a string': JSON.stringify({ type: 'event', id: 1, event: { ...event, payload: 'x' } }),
  'payload missing': JSON.stringify({ type: 'event', id: 1, event: { agent: 'claude-code' } }),
  'payload with a constructor key': JSON.stringify({
    type: 'event',
    id: 1,
    event: { ...event, payload: { constructor: 'x', session_id: 's' } },
  }),
  'payload with a __proto__ key': `{"type":"event","id":1,"event":{"agent":"claude-code","payload":{"__proto__":{"a":1},"session_id":"s"}}}`,
  'bad sentAt': JSON.stringify({ type: 'event', id: 1, event: { ...event, sentAt: 'yesterday' } }),
  'bad terminalId': JSON.stringify({ type: 'event', id: 1, event: { ...event, terminalId: 'a b' } }),
  'bad truncated': JSON.stringify({ type: 'event', id: 1, event: { ...event, truncated: { x: -1 } } }),
  'wrong type': JSON.stringify({ type: 'hello', id: 1, event }),
};

describe('event frame validation without copying the payload', () => {
  for (const [name, text] of Object.entries(FRAMES)) {
    it(`decides "${name}" exactly as the frame schema does`, () => {
      const record = JSON.parse(text) as Record<string, unknown>;
      const quick = parseEventFrame(record);
      const full = eventFrameSchema.safeParse(record);
      expect(quick.success).toBe(full.success);
      if (quick.success && full.success) expect(quick.data).toEqual(full.data);
      if (!quick.success && !full.success) expect(quick.error.issues).toEqual(full.error.issues);
    });
  }

  it('hands the payload on as parsed, without a copy', () => {
    const record = JSON.parse(FRAMES.minimal ?? '') as { event: { payload: object } };
    const parsed = parseEventFrame(record);
    expect(parsed.success && parsed.data.event.payload).toBe(record.event.payload);
  });
});
