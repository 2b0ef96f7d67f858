/**
 * Deepest nesting a frame or hook body may have. Real hook payloads nest a few dozen levels at most;
 * thousands of levels make JSON.stringify (and every recursive reader after it) overflow the stack, so
 * one hostile event could crash the engine or poison a whole group commit when it is written or read.
 */
export const MAX_JSON_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
/** Bytes of a string scanned one by one before the rest is searched natively. */
const INLINE_SCAN = 32;

/**
 * Whether JSON text nests objects/arrays deeper than `max`, decided on the raw bytes before parsing
 * (one pass, no allocation; brackets inside strings do not count). Malformed text is left to the parser.
 * A string is skipped with a native search for its closing quote rather than byte by byte: most of an
 * event's bytes are inside strings, and this check runs on every frame (docs/performance.md).
 */
export function nestsDeeperThan(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) {
      i = closingQuote(bytes, i);
      if (i < 0) return false;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote that closes the string opened at `open`, or -1 when the text ends first. */
function closingQuote(bytes: Uint8Array, open: number): number {
  // Short strings (keys, most values) end sooner than a native call pays off: byte by byte first.
  const end = Math.min(bytes.length, open + 1 + INLINE_SCAN);
  let i = open + 1;
  for (; i < end; i++) {
    const b = bytes[i];
    if (b === BACKSLASH) i++;
    else if (b === QUOTE) return i;
  }
  for (let q = bytes.indexOf(QUOTE, i); q >= 0; q = bytes.indexOf(QUOTE, q + 1)) {
    // Escaped when an odd number of backslashes precede it (`\\"` closes the string, `\\\"` does not).
    let backslashes = 0;
    while (q - 1 - backslashes > open && bytes[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}
