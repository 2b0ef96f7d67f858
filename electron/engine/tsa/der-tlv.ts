/**
 * A header-only reader for the strict DER subset (X.690 §8.1, §10.1): one-byte tags and definite,
 * minimally encoded lengths. It locates the parts of a time-stamp without decoding them, so the bulk
 * verifier can hand each part to asn1js on its own. Anything outside the subset (high tag numbers,
 * indefinite lengths, padded lengths) gives undefined and the caller takes the full asn1js path.
 */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number together). */
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Identifier octets we compare against (X.690 §8.1.2). */
export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  /** [0] constructed, context-specific. */
  context0: 0xa0,
} as const;

/** Longest length field we accept: four octets, as no time-stamp comes near 2 GiB. */
const MAX_LENGTH_OCTETS = 4;

/** The TLV starting at `at`, which must end by `limit`; undefined outside the strict subset. */
export function readTlv(bytes: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = bytes[at] ?? 0;
  if ((tag & 0x1f) === 0x1f) return undefined; // high tag number form
  const first = bytes[at + 1] ?? 0;
  let length = first;
  let contentStart = at + 2;
  if (first >= 0x80) {
    const octets = first & 0x7f;
    // 0x80 is the indefinite form (BER only); a leading zero octet is not minimal (X.690 §10.1).
    if (octets === 0 || octets > MAX_LENGTH_OCTETS || (bytes[contentStart] ?? 0) === 0) return undefined;
    if (contentStart + octets > limit) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[contentStart + i] ?? 0);
    contentStart += octets;
    if (length < 0x80) return undefined; // the short form was required
  }
  const end = contentStart + length;
  if (end > limit) return undefined;
  return { tag, start: at, contentStart, end };
}

/** The TLVs that exactly fill `parent`'s contents, or undefined. */
export function readChildren(bytes: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const children: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    if (child === undefined) return undefined;
    children.push(child);
    at = child.end;
  }
  return children;
}

/** A TLV with exactly this identifier octet, filling [start, end) of `bytes`. */
export function readWhole(bytes: Uint8Array, tag: number): Tlv | undefined {
  const tlv = readTlv(bytes, 0, bytes.byteLength);
  return tlv?.tag === tag && tlv.end === bytes.byteLength ? tlv : undefined;
}

export function tlvBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}
