import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChainRecordBody } from '../../../../electron/common/model/chain.ts';
import type { RedactionConfig } from '../../../../electron/engine/redact/redaction-config.ts';
import {
  BUILTIN_SET_VERSION,
  builtinSetDigest,
  describeRedaction,
  redactionStatement,
} from '../../../../electron/engine/redact/redaction-statement.ts';
import { chainRecordBodySchema } from '../../../../electron/engine/verify/chain-record-schema.ts';
import { ReportBuilder } from '../../../../electron/engine/verify/report-builder.ts';
import { reportRedaction } from '../../../../electron/engine/verify/redaction-check.ts';

/**
 * The digest of each released built-in set. A failure here means a built-in pattern changed: bump
 * BUILTIN_SET_VERSION (sealed records name it) and add the new version's digest, never edit an old one.
 */
const RELEASED_SETS: Readonly<Record<string, string>> = {
  v1: 'd9d106ef9fc7ad1343d81e2a0b239fbed0637203dc44fe8f27d42a0f233fe3dd',
};

const CONFIG: RedactionConfig = {
  enabled: true,
  disable: ['jwt', 'bearer-token'],
  patterns: [
    { id: 'acme-key', regex: 'ACME-[0-9A-F]{16}' },
    { id: 'employee-id', regex: 'EMP-(?<secret>[0-9]+)', replacement: '[employee]', flags: 'm' },
  ],
};

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the redaction statement sealed in window records', () => {
  it('names a released built-in set whose patterns are exactly the ones pinned for it', () => {
    expect(builtinSetDigest()).toBe(RELEASED_SETS[BUILTIN_SET_VERSION]);
  });

  it('hashes the configuration in the form docs/redaction.md gives, so an auditor can recompute it', () => {
    // Written out by hand from the documentation (RFC 8785: keys sorted, no whitespace).
    const documented =
      `{"builtin":{"sha256":"${builtinSetDigest()}","version":"v1"},"disable":["bearer-token","jwt"],"enabled":true,` +
      '"patterns":[{"flags":null,"id":"acme-key","regex":"ACME-[0-9A-F]{16}","replacement":null},' +
      '{"flags":"m","id":"employee-id","regex":"EMP-(?<secret>[0-9]+)","replacement":"[employee]"}],"v":1}';
    expect(redactionStatement(CONFIG)).toEqual({
      enabled: true,
      builtin: 'v1',
      disabled: ['bearer-token', 'jwt'],
      custom: ['acme-key', 'employee-id'],
      sha256: sha256(documented),
    });
    expect(redactionStatement({ enabled: false, disable: ['jwt'], patterns: CONFIG.patterns })).toEqual({
      enabled: false,
      builtin: null,
      disabled: [],
      custom: [],
      sha256: sha256('{"enabled":false,"v":1}'),
    });
  });

  it('tells configurations apart by every source, flag and replacement, but not by the order of disable', () => {
    const base = redactionStatement(CONFIG).sha256;
    const changed = (patch: Partial<RedactionConfig['patterns'][number]>): string =>
      redactionStatement({ ...CONFIG, patterns: [{ ...CONFIG.patterns[0]!, ...patch }, CONFIG.patterns[1]!] }).sha256;
    expect(changed({ regex: 'ACME-[0-9A-F]{15}' })).not.toBe(base);
    expect(changed({ flags: 's' })).not.toBe(base);
    expect(changed({ replacement: '[acme]' })).not.toBe(base);
    expect(redactionStatement({ ...CONFIG, disable: ['jwt'] }).sha256).not.toBe(base);
    expect(redactionStatement({ ...CONFIG, patterns: [...CONFIG.patterns].reverse() }).sha256).not.toBe(base);
    expect(redactionStatement({ ...CONFIG, disable: ['bearer-token', 'jwt'] }).sha256).toBe(base);
  });

  it('never carries a pattern source in clear', () => {
    const json = JSON.stringify(redactionStatement(CONFIG));
    for (const p of CONFIG.patterns) expect(json).not.toContain(p.regex);
    expect(json).not.toContain('[employee]');
  });

  it('reads as one line for people', () => {
    expect(describeRedaction(redactionStatement(CONFIG))).toMatch(
      /^on, built-in v1 \+ 2 custom \(acme-key, employee-id\), bearer-token, jwt left out; fingerprint [0-9a-f]{16}$/,
    );
    expect(describeRedaction(redactionStatement({ enabled: true, disable: [], patterns: [] }))).toMatch(
      /^on, built-in v1; fingerprint /,
    );
    expect(describeRedaction(redactionStatement({ ...CONFIG, enabled: false }))).toMatch(/^OFF/);
  });
});

function windowRecord(seq: number, redaction?: ChainRecordBody['redaction']): ChainRecordBody {
  const empty = { count: 0, firstSeq: null, lastSeq: null, root: 'e'.repeat(64) };
  return {
    v: 1,
    kind: 'window',
    sessionId: 's_1',
    agent: 'claude-code',
    agentSessionId: 'a',
    seq,
    prev: seq === 1 ? null : 'a'.repeat(64),
    device: 'SHA256:x',
    from: '2026-11-22T10:00:00.000Z',
    to: '2026-11-22T10:00:10.000Z',
    sealedAt: '2026-11-22T10:00:10.000Z',
    events: empty,
    media: empty,
    gap: null,
    final: false,
    ...(redaction === undefined ? {} : { redaction }),
  };
}

describe('the chain record schema and the verifier’s report', () => {
  const on = redactionStatement(CONFIG);
  const off = redactionStatement({ ...CONFIG, enabled: false });

  it('accepts the statement on window records, and records without it', () => {
    expect(chainRecordBodySchema.safeParse(windowRecord(1, on)).success).toBe(true);
    expect(chainRecordBodySchema.safeParse(windowRecord(1, off)).success).toBe(true);
    expect(chainRecordBodySchema.safeParse(windowRecord(1)).success).toBe(true);
  });

  it('refuses it on a gap, an OFF statement that names patterns, and extra fields', () => {
    const gap = { ...windowRecord(1, on), kind: 'gap', gap: { reason: 'paused', detail: null } };
    expect(chainRecordBodySchema.safeParse(gap).success).toBe(false);
    expect(chainRecordBodySchema.safeParse(windowRecord(1, { ...off, custom: ['acme-key'] })).success).toBe(false);
    expect(chainRecordBodySchema.safeParse(windowRecord(1, { ...on, builtin: null })).success).toBe(false);
    const extra = { ...on, sources: ['ACME-[0-9A-F]{16}'] } as ChainRecordBody['redaction'];
    expect(chainRecordBodySchema.safeParse(windowRecord(1, extra)).success).toBe(false);
  });

  it('reports one item per run of records under the same configuration, unknown where none was stated', () => {
    const report = new ReportBuilder();
    const bodies = [windowRecord(1), windowRecord(2), windowRecord(3, on), windowRecord(4, on), windowRecord(5, off)];
    reportRedaction('session s_1', 'agent', bodies, report);
    const items = report.build(false).items;
    expect(items.map((i) => [i.item, i.status, i.code])).toEqual([
      ['session s_1 redaction (records 1..2)', 'pass', 'REDACTION'],
      ['session s_1 redaction (records 3..4)', 'pass', 'REDACTION'],
      ['session s_1 redaction (record 5)', 'pass', 'REDACTION'],
    ]);
    expect(items[0]?.message).toMatch(/^unknown: records 1..2 sealed before/);
    expect(items[1]?.message).toMatch(/^on, built-in v1 \+ 2 custom \(acme-key, employee-id\)/);
    expect(items[2]?.message).toMatch(/^OFF/);
  });

  it('says, for an aev run terminal, that only its command line and title were redacted', () => {
    const report = new ReportBuilder();
    reportRedaction('session t_1', 'terminal', [windowRecord(1, on)], report);
    reportRedaction('session t_2', 'terminal', [windowRecord(1, off)], report);
    const [first, second] = report.build(false).items;
    expect(first?.message).toContain('(the command line and title; terminal output is never redacted)');
    expect(second?.message).not.toContain('command line');
  });

  it('says nothing for screen recordings and the access log, which redaction never applies to', () => {
    const report = new ReportBuilder();
    reportRedaction('session rec_1', 'screen', [windowRecord(1)], report);
    reportRedaction('session acc', 'access', [windowRecord(1)], report);
    expect(report.build(false).items).toEqual([]);
  });
});
