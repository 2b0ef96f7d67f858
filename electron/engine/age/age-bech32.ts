// Bech32 (BIP 173), the encoding of age's X25519 recipients (`age1…`) and identities
// (`AGE-SECRET-KEY-1…`) per age-encryption.org/v1 "The X25519 recipient type". age uses the original
// Bech32 checksum (constant 1, not Bech32m) and lifts BIP 173's 90-character limit.

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const;
const CHECKSUM_LENGTH = 6;

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if (((top >>> i) & 1) === 1) chk ^= GENERATOR[i] ?? 0;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const codes = Array.from({ length: hrp.length }, (_, i) => hrp.charCodeAt(i));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

/** Regroups bits (8 → 5 with zero padding; 5 → 8 refusing non-zero or whole-group padding, BIP 173). */
function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const v of data) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || acc !== 0) return null;
  return out;
}

/** `hrp` + "1" + data + checksum, lower case (callers upper-case identities themselves). */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const words = convertBits(data, 8, 5, true) ?? [];
  const lower = hrp.toLowerCase();
  const mod = polymod([...hrpExpand(lower), ...words, ...new Array<number>(CHECKSUM_LENGTH).fill(0)]) ^ 1;
  const checksum = Array.from({ length: CHECKSUM_LENGTH }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${lower}1${[...words, ...checksum].map((w) => CHARSET[w] ?? '').join('')}`;
}

/** The human-readable part (lower case) and the bytes; null for anything that is not valid Bech32. */
export function bech32Decode(text: string): { readonly hrp: string; readonly data: Buffer } | null {
  // BIP 173: all lower or all upper case, printable US-ASCII; the last "1" separates the parts.
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return null;
  if (!/^[\x21-\x7e]+$/.test(text)) return null;
  const s = text.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1 || sep + 1 + CHECKSUM_LENGTH > s.length) return null;
  const hrp = s.slice(0, sep);
  const words: number[] = [];
  for (const c of s.slice(sep + 1)) {
    const w = CHARSET.indexOf(c);
    if (w < 0) return null;
    words.push(w);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return null;
  const bytes = convertBits(words.slice(0, -CHECKSUM_LENGTH), 5, 8, false);
  return bytes === null ? null : { hrp, data: Buffer.from(bytes) };
}
