import { describe, expect, it } from 'vitest';
import { BUILTIN_PATTERNS } from '../../../../electron/engine/redact/builtin-patterns.ts';
import { createRedactor, DEFAULT_REDACTION } from '../../../../electron/engine/redact/redaction-config.ts';
import { RedactionTally } from '../../../../electron/engine/redact/redaction-tally.ts';
import type { Redactor } from '../../../../electron/engine/redact/redactor.ts';

const MIB = 1024 * 1024;

/** `unit` repeated to 1 MiB. */
function fill(unit: string): string {
  return unit.repeat(Math.ceil(MIB / unit.length)).slice(0, MIB);
}

/**
 * Inputs built to make a backtracking regex go quadratic or worse: each cue (the literal a pattern
 * starts from) repeated, followed by the start of what it wants and then something that fails late;
 * one opening with a megabyte of matching characters after it; and plain runs of the characters the
 * patterns' classes accept.
 */
function adversarialInputs(): Map<string, string> {
  const inputs = new Map<string, string>();
  // Each pattern's first cue; the keyword patterns share theirs, so each keyword is tried on its own.
  const cues = new Set(BUILTIN_PATTERNS.flatMap((p) => p.cues?.slice(0, p.cues.length > 4 ? undefined : 1) ?? []));
  for (const cue of cues) {
    const up = cue.toUpperCase();
    for (const [name, unit] of [
      ['repeated', cue],
      ['upper, then =', `${up}=`],
      ['then :"', `${cue}:"`],
      ['then run, no end', `${cue}${'aB3'.repeat(120)} `],
      ['then separator spaces', `${cue}${' '.repeat(15)}:${' '.repeat(15)}`],
    ] as const)
      inputs.set(`${cue} ${name}`, fill(unit));
    inputs.set(`${cue} then a megabyte`, cue + fill('aB3/+_-'));
  }
  inputs.set('-----BEGIN without END', fill('-----BEGIN RSA PRIVATE KEY-----\nMIIEow'));
  inputs.set('one BEGIN, a megabyte of base64', `-----BEGIN PRIVATE KEY-----\n${fill('QUJD\n')}`);
  inputs.set('dashes', fill('-'));
  inputs.set('dashes and one', fill('----a'));
  inputs.set('eyJ parts', fill('eyJabcdefgh.'));
  inputs.set('://a: without @', fill('://a:'));
  inputs.set('curl lines without -u', fill('curl x '));
  inputs.set('mysql then -p', fill('mysql -p'));
  inputs.set('quotes never closed', `password = "${fill('a')}`);
  inputs.set('letters', fill('a'));
  inputs.set('word characters', fill('Ab_9'));
  inputs.set('spaces', fill(' '));
  inputs.set('newlines', fill('\n'));
  inputs.set('base64 with = every 17', fill('aB3dE5fG7hJ9kL2m='));
  inputs.set('keys and colons', fill('key:key='));
  inputs.set('config lines', fill('password: a b\n'));
  return inputs;
}

describe('redaction runs in linear time', () => {
  const redactor = createRedactor(DEFAULT_REDACTION) as Redactor;
  // A catastrophic pattern over a megabyte takes minutes to years; a linear one, tens of milliseconds.
  // The bound is loose because the test machines are shared; what it catches is the difference.
  const BOUND_MS = 4000;

  it.each([...adversarialInputs()])('redacts 1 MiB of %s within the bound', (_name, input) => {
    const started = performance.now();
    redactor.redactText(input, new RedactionTally());
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });

  it('runs a custom pattern that would backtrack catastrophically in linear time', () => {
    const custom = createRedactor({
      ...DEFAULT_REDACTION,
      patterns: [{ id: 'nested', regex: '(a+)+b' }],
    }) as Redactor;
    const started = performance.now();
    const tally = new RedactionTally();
    const out = custom.redactText(fill('a'), tally);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(out.length).toBe(MIB);
    expect(tally.total).toBe(0);
    // The same shape on the backtracking engine: 28 characters already take seconds (2^28 paths).
    expect(custom.redactText('aaab', new RedactionTally())).toBe('[REDACTED:nested]');
  });
});
