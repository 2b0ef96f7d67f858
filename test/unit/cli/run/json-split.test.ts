import { describe, expect, it } from 'vitest';
import { splitForJson } from '../../../../electron/cli/run/json-split.ts';

/** Bytes of the JSON string body (JSON.stringify without its two quotes). */
const bodyBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** A string mixing everything JSON sizes differently: ASCII, escapes, 2/3/4-byte characters, lone surrogates. */
function mixedText(length: number, seed: number): string {
  const alphabet = [
    'a',
    '"',
    '\\',
    '\n',
    '\x1b',
    '\x00',
    '\u00e9',
    '\u20ac',
    '\u{1F600}',
    '\ud800',
    '\udc00',
    '\u2028',
  ];
  let state = seed;
  let out = '';
  while (out.length < length) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    out += alphabet[state % alphabet.length] ?? '';
  }
  return out;
}

describe('splitForJson', () => {
  it('keeps a string that fits whole', () => {
    expect(splitForJson('hello \x1b[31mworld\x1b[0m', 1024)).toEqual(['hello \x1b[31mworld\x1b[0m']);
  });

  it.each([6, 7, 64, 1000, 4096])(
    'cuts mixed text into pieces of at most %i JSON bytes that join back exactly',
    (maxBytes) => {
      const text = mixedText(20_000, maxBytes);
      const pieces = splitForJson(text, maxBytes);
      expect(pieces.join('')).toBe(text);
      expect(pieces.length).toBeGreaterThan(1);
      for (const piece of pieces) {
        expect(piece.length).toBeGreaterThan(0);
        expect(bodyBytes(piece)).toBeLessThanOrEqual(maxBytes);
      }
    },
  );

  it('never cuts between the two halves of a surrogate pair', () => {
    // Emoji only, so with an odd budget a naive cut would land inside a pair.
    const text = '\u{1F600}'.repeat(5000);
    const pieces = splitForJson(text, 4 * 7 + 2);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(isLow(piece.charCodeAt(0))).toBe(false);
      expect(isHigh(piece.charCodeAt(piece.length - 1))).toBe(false);
    }
  });

  it('fills pieces up to the budget rather than cutting early', () => {
    const pieces = splitForJson('x'.repeat(10_000), 1000);
    expect(pieces.map((p) => p.length)).toEqual(Array.from({ length: 10 }, () => 1000));
  });

  it('sizes control characters as JSON escapes them', () => {
    // \x01 is \u0001 (6 bytes), \n is \n (2 bytes).
    expect(splitForJson('\x01'.repeat(10), 12)).toEqual(Array.from({ length: 5 }, () => '\x01\x01'));
    expect(splitForJson('\n'.repeat(10), 12)).toEqual(['\n'.repeat(6), '\n'.repeat(4)]);
  });

  it('refuses a budget too small for one escaped character', () => {
    expect(() => splitForJson('abc', 5)).toThrow(RangeError);
  });
});
