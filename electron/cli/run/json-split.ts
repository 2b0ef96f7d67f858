/**
 * Sizes and cuts strings by the bytes they take once serialized with JSON.stringify, so `aev run` can
 * keep every terminal frame under the protocol's line limit whatever the output holds: control bytes
 * grow sixfold in JSON (`\u001b`), ASCII stays one byte, other characters take their UTF-8 length.
 */

/**
 * UTF-8 bytes the UTF-16 code unit at `i` of `text` takes inside a JSON string, and how many code units
 * it consumes (2 for a surrogate pair). Follows QuoteJSONString (ECMA-262 §25.5.2.3): the short escapes
 * \b \t \n \f \r \" \\, `\u00XX` for other control characters, `\uDXXX` for a lone surrogate.
 */
function unitCost(text: string, i: number): { bytes: number; units: 1 | 2 } {
  const c = text.charCodeAt(i);
  if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) {
    return { bytes: 2, units: 1 };
  }
  if (c < 0x20) return { bytes: 6, units: 1 };
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { bytes: 4, units: 2 };
    return { bytes: 6, units: 1 };
  }
  if (c >= 0xdc00 && c <= 0xdfff) return { bytes: 6, units: 1 };
  return { bytes: 3, units: 1 };
}

/** The most bytes one UTF-16 code unit can take inside a JSON string (a `\u00XX` escape). */
const MAX_UNIT_BYTES = 6;

/**
 * Cuts `text` into pieces whose JSON string bodies (without the quotes) take at most `maxBytes` bytes
 * each. Pieces join back to `text`; a cut never falls between the two halves of a surrogate pair, so
 * no piece holds half a character.
 */
export function splitForJson(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < MAX_UNIT_BYTES) {
    throw new RangeError(`maxBytes must be an integer of at least ${MAX_UNIT_BYTES}`);
  }
  // Fast path: even if every unit were escaped, the whole string fits.
  if (text.length * MAX_UNIT_BYTES <= maxBytes) return [text];
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const cost = unitCost(text, i);
    if (bytes + cost.bytes > maxBytes) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += cost.bytes;
    i += cost.units;
  }
  pieces.push(text.slice(start));
  return pieces;
}
