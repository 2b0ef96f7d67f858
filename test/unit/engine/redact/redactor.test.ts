import { describe, expect, it } from 'vitest';
import { CueScanner } from '../../../../electron/engine/redact/cue-scanner.ts';
import { createRedactor, DEFAULT_REDACTION } from '../../../../electron/engine/redact/redaction-config.ts';
import { RedactionTally } from '../../../../electron/engine/redact/redaction-tally.ts';
import type { Redactor } from '../../../../electron/engine/redact/redactor.ts';
import { isSecretName } from '../../../../electron/engine/redact/secret-names.ts';
import { SAMPLES as S } from './secret-samples.ts';

const redactor = createRedactor(DEFAULT_REDACTION) as Redactor;

function redactJson<T>(value: T): { readonly value: T; readonly counts: ReturnType<RedactionTally['toList']> } {
  const tally = new RedactionTally();
  return { value: redactor.redactJson(value, tally), counts: tally.toList() };
}

describe('redacting JSON payloads', () => {
  it('redacts strings nested anywhere, keeps every key, and counts per pattern', () => {
    const payload = {
      session_id: 's1',
      hook_event_name: 'PostToolUse',
      tool_input: { command: `curl -H "Authorization: Bearer ${S.bearer}" https://x`, timeout: 30 },
      tool_response: { stdout: `${S.ghp}\n${S.ghs}\n`, lines: [[`key ${S.openaiLegacy}`]] },
    };
    const r = redactJson(payload);
    expect(r.value).toEqual({
      session_id: 's1',
      hook_event_name: 'PostToolUse',
      tool_input: { command: 'curl -H "Authorization: Bearer [REDACTED:authorization-header]" https://x', timeout: 30 },
      tool_response: {
        stdout: '[REDACTED:github-token]\n[REDACTED:github-token]\n',
        lines: [['key [REDACTED:openai-api-key]']],
      },
    });
    expect(r.counts).toEqual([
      { pattern: 'authorization-header', count: 1 },
      { pattern: 'github-token', count: 2 },
      { pattern: 'openai-api-key', count: 1 },
    ]);
  });

  it('redacts values whose key says they are secret, whatever they look like', () => {
    const r = redactJson({
      env: { API_TOKEN: 'short', DB_PASSWORD: 'pa ss', HOME: '/root', GITHUB_TOKEN: S.ghp },
      headers: { Authorization: 'opaque', 'X-Api-Key': 'k1', Cookie: 'sid=1' },
      clientSecret: 'abc',
      api_keys: ['k2'],
    });
    expect(r.value).toEqual({
      env: {
        API_TOKEN: '[REDACTED:secret-field]',
        DB_PASSWORD: '[REDACTED:secret-field]',
        HOME: '/root',
        GITHUB_TOKEN: '[REDACTED:github-token]',
      },
      headers: {
        Authorization: '[REDACTED:secret-field]',
        'X-Api-Key': '[REDACTED:secret-field]',
        Cookie: '[REDACTED:secret-field]',
      },
      clientSecret: '[REDACTED:secret-field]',
      api_keys: ['k2'],
    });
    expect(r.counts).toEqual([
      { pattern: 'github-token', count: 1 },
      { pattern: 'secret-field', count: 6 },
    ]);
  });

  it('leaves alone keys that only mention a secret, numbers, booleans and placeholders', () => {
    const payload = {
      max_tokens: '4096',
      token_type: 'bearer',
      tokens: ['a', 'b'],
      password_policy: 'strict',
      PASSWORD_FILE: '/run/secrets/db',
      key: 'Enter',
      sort_key: 'name',
      context_tokens: 48213,
      password: '',
      secret: true,
      token: null,
      API_TOKEN: '${API_TOKEN}',
      DB_PASSWORD: '********',
    };
    const r = redactJson(payload);
    expect(r.counts).toBeNull();
    expect(r.value).toBe(payload);
  });

  it('lets elements of an array inherit their key: a list of secrets is secret', () => {
    expect(redactJson({ passwords: ['a'], credentials: ['user:pw'] }).value).toEqual({
      passwords: ['a'],
      credentials: ['[REDACTED:secret-field]'],
    });
  });

  it('copies on write: untouched branches are the same objects', () => {
    const clean = { a: { b: [1, 2, 3] } };
    const payload = { clean, dirty: { note: `token ${S.ghp}` } };
    const r = redactJson(payload);
    expect(r.value).not.toBe(payload);
    expect(r.value.clean).toBe(clean);
    expect(payload.dirty.note).toContain(S.ghp);
  });

  it('keeps a "__proto__" key as an own key and never as a prototype', () => {
    const payload = JSON.parse(`{"__proto__": {"password": "x1"}, "note": "${S.ghp}"}`) as Record<string, unknown>;
    const r = redactJson(payload);
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(JSON.stringify(r.value)).toBe(
      '{"__proto__":{"password":"[REDACTED:secret-field]"},"note":"[REDACTED:github-token]"}',
    );
  });

  it('refuses JSON nested deeper than it walks, rather than overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(() => redactor.redactJson(deep, new RedactionTally())).toThrow(/deeper than 512/);
  });

  it('finds every cue a text holds in one scan: inside longer ones, overlapping, in any case', () => {
    const scanner = new CueScanner(['://', 'https://', 'sk-', 'sk-ant-', 'key', '--']);
    expect([...scanner.scan('HTTPS://u:p@h and SK-ANT-x')].sort()).toEqual(['://', 'https://', 'sk-', 'sk-ant-']);
    expect([...scanner.scan('---')]).toEqual(['--']);
    expect(scanner.scan('nothing here').size).toBe(0);
  });

  it('names keys as secret by how they end', () => {
    for (const name of ['password', 'DB_PASSWORD', 'apiKey', 'x-api-key', 'client.secret', 'GITHUB_TOKEN', 'idToken'])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ['token_type', 'max_tokens', 'tokenizer', 'PASSWORD_FILE', 'key', 'pwd', 'keyboard', 'secrets'])
      expect(isSecretName(name), name).toBe(false);
  });

  it('can be told to leave secret fields alone (disable: ["secret-field"])', () => {
    const r = createRedactor({ ...DEFAULT_REDACTION, disable: ['secret-field'] }) as Redactor;
    const tally = new RedactionTally();
    expect(r.redactJson({ API_TOKEN: 'short', note: S.ghp }, tally)).toEqual({
      API_TOKEN: 'short',
      note: '[REDACTED:github-token]',
    });
    expect(r.ids).not.toContain('secret-field');
  });
});
