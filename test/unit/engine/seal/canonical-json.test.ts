import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../electron/engine/seal/canonical-json.ts';

describe('RFC 8785 canonical JSON', () => {
  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Compare text: JSON.parse would move the integer-like key "1" first again.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k as keyof typeof input])}`).join(',')}}`;
    expect(canonicalJson(input).toString()).toBe(expected);
  });

  it('serializes numbers as ECMAScript does (RFC 8785 §3.2.2.3 samples)', () => {
    const values = [0, -0, 1e21, 1e-7, 333333333.3333333, 9007199254740992, 4.5, 0.000001, 1e23];
    expect(canonicalJson(values).toString()).toBe(
      '[0,0,1e+21,1e-7,333333333.3333333,9007199254740992,4.5,0.000001,1e+23]',
    );
  });

  it('matches the RFC 8785 §3.2.4 sample output', () => {
    const input = {
      numbers: [1e9 / 3, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(input).toString()).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('refuses what JSON cannot carry instead of changing it', () => {
    expect(() => canonicalJson({ a: undefined })).toThrow(/canonical JSON/);
    expect(() => canonicalJson([Number.NaN])).toThrow(/NaN/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/non-plain/);
    expect(() => canonicalJson({ b: 1n })).toThrow(/bigint/);
  });
});
