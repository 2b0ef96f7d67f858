import { randomBytesFast } from './random-pool.ts';

// Crockford base32: sortable, unambiguous, URL- and file-name-safe.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-style id (48-bit ms time + 80 random bits) with a kind prefix, e.g. `ev_01J...`. */
export function newId(prefix: string, nowMs: number): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytesFast(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET.charAt((bytes[i] ?? 0) % 32);
  return `${prefix}_${time}${rand}`;
}
