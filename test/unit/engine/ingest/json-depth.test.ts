// The nesting check runs on every frame before JSON.parse (endpoint-connection.ts, http-endpoint.ts). It
// skips strings with a native search for the closing quote; these tests hold it to the byte-by-byte
// definition: brackets inside strings never count, and a quote closes a string unless escaped.
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../../../electron/engine/ingest/json-depth.ts';

/** The definition, one byte at a time: a backslash in a string takes the byte after it. */
function byteByByte(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) return true;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return false;
}

const deep = (n: number, inner = ''): string => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;

describe('nestsDeeperThan', () => {
  it('refuses nesting past the limit and accepts nesting at it', () => {
    expect(nestsDeeperThan(Buffer.from(deep(MAX_JSON_DEPTH)))).toBe(false);
    expect(nestsDeeperThan(Buffer.from(deep(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(nestsDeeperThan(Buffer.from(`{"a":${deep(MAX_JSON_DEPTH)}}`))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes and all', () => {
    const hidden = JSON.stringify({ s: `x"${'['.repeat(1000)}\\"${'{'.repeat(1000)}` });
    expect(nestsDeeperThan(Buffer.from(hidden))).toBe(false);
    // A run of backslashes before a quote: even closes the string, odd does not.
    expect(nestsDeeperThan(Buffer.from(`["\\\\"${deep(300)}]`))).toBe(true);
    expect(nestsDeeperThan(Buffer.from(`["\\\\\\"${deep(300)}"]`))).toBe(false);
    // An unterminated string hides everything after it, as the parser would refuse it anyway.
    expect(nestsDeeperThan(Buffer.from(`["${deep(300)}`))).toBe(false);
  });

  it('agrees with the byte-by-byte definition on random quote, backslash and bracket soup', () => {
    // Dense soup: short strings. Sparse soup: strings long enough to be searched natively (INLINE_SCAN).
    const dense = ['"', '\\', '[', ']', '{', '}', 'a', ',', 'é'];
    const sparse = [...dense, ...Array.from({ length: 60 }, () => 'x')];
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 5000; n++) {
      const alphabet = n % 2 === 0 ? dense : sparse;
      const length = next() % 400;
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length] ?? '';
      const bytes = Buffer.from(text);
      const max = next() % 6;
      expect(nestsDeeperThan(bytes, max), text).toBe(byteByByte(bytes, max));
    }
  });
});
