/** Shannon entropy in bits per character (UTF-16 code units; secrets are ASCII). */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Below this, a value is more likely a word, a version or a repeated character than a generated key. */
const MIN_ENTROPY_BITS = 3;
const MIN_LENGTH = 16;

/**
 * Whether a value looks generated (an API key, a random password) rather than written by a person:
 * long enough, letters AND digits (camelCase identifiers and plain words have no digits; a 20-character
 * random base62 key lacks a digit about 3% of the time, which is the price of not redacting code), and
 * spread over many distinct characters. Paths are not keys.
 */
export function looksGenerated(value: string): boolean {
  if (value.length < MIN_LENGTH) return false;
  if (/^(?:\.{0,2}\/|~\/)/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return shannonEntropy(value) >= MIN_ENTROPY_BITS;
}
