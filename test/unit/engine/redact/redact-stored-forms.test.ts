import { describe, expect, it } from 'vitest';
import { redactIngest } from '../../../../electron/engine/redact/redact-ingest.ts';
import { redactJsonl } from '../../../../electron/engine/redact/redact-jsonl.ts';
import { createRedactor, DEFAULT_REDACTION } from '../../../../electron/engine/redact/redaction-config.ts';
import { RedactionTally } from '../../../../electron/engine/redact/redaction-tally.ts';
import type { Redactor } from '../../../../electron/engine/redact/redactor.ts';
import { SAMPLES as S } from './secret-samples.ts';

const redactor = createRedactor(DEFAULT_REDACTION) as Redactor;

describe('what gets stored after redaction', () => {
  it('stores the agent bytes untouched when there is nothing to redact', () => {
    const bytes = Buffer.from('{ "session_id" : "s",  "hook_event_name":"Stop" }');
    const r = redactIngest(redactor, JSON.parse(bytes.toString()) as Record<string, unknown>, {
      transport: 'http-body',
      bytes,
    });
    expect(r.redactions).toBeNull();
    expect(r.received.bytes).toBe(bytes);
  });

  it('re-serializes an HTTP body with the secret replaced', () => {
    const payload = { session_id: 's', hook_event_name: 'PreToolUse', tool_input: { command: `echo ${S.ghp}` } };
    const r = redactIngest(redactor, payload, { transport: 'http-body', bytes: Buffer.from(JSON.stringify(payload)) });
    expect(r.redactions).toEqual([{ pattern: 'github-token', count: 1 }]);
    expect(JSON.parse(r.received.bytes.toString())).toEqual({
      ...payload,
      tool_input: { command: 'echo [REDACTED:github-token]' },
    });
    expect(r.received.bytes.includes(S.ghp)).toBe(false);
  });

  it('keeps every other field of a socket frame as it came and swaps only event.payload', () => {
    const payload = { session_id: 's', hook_event_name: 'PreToolUse', env: { API_TOKEN: 'abc' } };
    const frame = {
      type: 'event',
      id: 7,
      event: { agent: 'claude-code', payload, sentAt: '2026-01-01T00:00:00.000Z', truncated: { 'x.y': 9 } },
    };
    const r = redactIngest(redactor, payload, { transport: 'socket-frame', bytes: Buffer.from(JSON.stringify(frame)) });
    expect(JSON.parse(r.received.bytes.toString())).toEqual({
      ...frame,
      event: { ...frame.event, payload: { ...payload, env: { API_TOKEN: '[REDACTED:secret-field]' } } },
    });
  });

  it('redacts transcript lines as JSON, keeps clean lines byte for byte, and falls back to text', () => {
    const clean = Buffer.from('{"type":"user", "text":"hello"}\n\xff\xfe not utf-8\n', 'latin1');
    const dirty = `{"type":"tool_result","content":"export API_KEY=abc123","env":{"GITHUB_TOKEN":"abc"}}\n`;
    const broken = `{"cut": "line with ${S.ghp}\n`;
    const input = Buffer.concat([clean, Buffer.from(dirty), Buffer.from(broken), Buffer.from('tail without newline')]);
    const tally = new RedactionTally();
    const out = redactJsonl(redactor, input, tally);
    expect(out.subarray(0, clean.length).equals(clean)).toBe(true);
    expect(out.subarray(clean.length).toString()).toBe(
      '{"type":"tool_result","content":"export API_KEY=[REDACTED:env-assignment]","env":{"GITHUB_TOKEN":"[REDACTED:secret-field]"}}\n' +
        '{"cut": "line with [REDACTED:github-token]\n' +
        'tail without newline',
    );
    expect(tally.toList()).toEqual([
      { pattern: 'env-assignment', count: 1 },
      { pattern: 'github-token', count: 1 },
      { pattern: 'secret-field', count: 1 },
    ]);
  });

  it('returns the very same buffer for a transcript chunk with nothing to redact', () => {
    const chunk = Buffer.from('{"a":1}\n{"b":"two"}\n');
    expect(redactJsonl(redactor, chunk, new RedactionTally())).toBe(chunk);
  });

  it('counts a too-deep transcript line once, as text', () => {
    const deep = `${'['.repeat(600)}"${S.ghp}"${']'.repeat(600)}\n`;
    const tally = new RedactionTally();
    const out = redactJsonl(redactor, Buffer.from(deep), tally).toString();
    expect(out).not.toContain(S.ghp);
    expect(tally.toList()).toEqual([{ pattern: 'github-token', count: 1 }]);
  });
});
