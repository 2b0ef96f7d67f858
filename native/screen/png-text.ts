import { AevError } from '../../electron/common/errors.ts';
import { pngChunk } from './png-encoder.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// PNG §5.3: a chunk is length (4) + type (4) + data + CRC (4).
const CHUNK_OVERHEAD = 12;
const MAX_CHUNK_DATA = 0x7fffffff;

export interface PngText {
  readonly keyword: string;
  readonly text: string;
}

/**
 * Returns a copy of `png` with an uncompressed iTXt chunk (PNG §11.3.4.5) holding `text` as UTF-8 under
 * `keyword`, placed just before IEND (§5.6: iTXt may go anywhere between IHDR and IEND). Used for the
 * focused window's title of a still: inside the PNG it is encrypted with the pixels and never lies in
 * clear beside them (invariant I1). Throws E_MEDIA_FORMAT when `png` is not a well-formed chunk sequence.
 */
export function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const keywordBytes = checkKeyword(keyword);
  const iend = findIend(png);
  // keyword, NUL, compression flag 0, compression method 0, empty language tag + NUL, empty translated
  // keyword + NUL, then the text (not NUL-terminated: its length follows from the chunk length).
  const data = Buffer.concat([keywordBytes, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]);
  if (data.length > MAX_CHUNK_DATA) throw new AevError('E_MEDIA_FORMAT', 'text too long for one PNG chunk');
  return Buffer.concat([png.subarray(0, iend), pngChunk('iTXt', data), png.subarray(iend)]);
}

/** The uncompressed iTXt chunks of a PNG, in file order (compressed ones are skipped: we never write them). */
export function readTextChunks(png: Buffer): PngText[] {
  const texts: PngText[] = [];
  for (const c of chunks(png)) {
    if (c.type !== 'iTXt') continue;
    const keywordEnd = c.data.indexOf(0);
    if (keywordEnd < 1 || c.data[keywordEnd + 1] !== 0) continue;
    const languageEnd = c.data.indexOf(0, keywordEnd + 3);
    const translatedEnd = languageEnd < 0 ? -1 : c.data.indexOf(0, languageEnd + 1);
    if (translatedEnd < 0) continue;
    texts.push({
      keyword: c.data.toString('latin1', 0, keywordEnd),
      text: c.data.toString('utf8', translatedEnd + 1),
    });
  }
  return texts;
}

/**
 * PNG §11.3.4.2: 1–79 bytes of printable Latin-1 (32–126, 161–255), no leading, trailing or consecutive
 * spaces. Keywords are ours (for example the predefined "Title"), so a bad one is a programming error.
 */
function checkKeyword(keyword: string): Buffer {
  const printable = /^[\x20-\x7e\xa1-\xff]*$/.test(keyword);
  const spaced = keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ');
  if (keyword.length < 1 || keyword.length > 79 || !printable || spaced) {
    throw new AevError('E_INTERNAL', `not a PNG keyword: ${JSON.stringify(keyword)}`);
  }
  return Buffer.from(keyword, 'latin1');
}

interface Chunk {
  readonly type: string;
  readonly at: number;
  readonly data: Buffer;
}

/** Walks the chunks after the signature, checking that each fits in the file and that IHDR comes first. */
function* chunks(png: Buffer): Generator<Chunk> {
  if (png.length < PNG_SIGNATURE.length || !PNG_SIGNATURE.equals(png.subarray(0, PNG_SIGNATURE.length))) {
    throw new AevError('E_MEDIA_FORMAT', 'not a PNG: the signature is missing');
  }
  let at = PNG_SIGNATURE.length;
  let first = true;
  while (at < png.length) {
    if (png.length - at < CHUNK_OVERHEAD) throw new AevError('E_MEDIA_FORMAT', `PNG chunk at ${at} is truncated`);
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (length > MAX_CHUNK_DATA || png.length - at - CHUNK_OVERHEAD < length) {
      throw new AevError('E_MEDIA_FORMAT', `PNG chunk ${JSON.stringify(type)} at ${at} runs past the end`);
    }
    if (first && type !== 'IHDR') throw new AevError('E_MEDIA_FORMAT', 'PNG does not start with IHDR');
    first = false;
    yield { type, at, data: png.subarray(at + 8, at + 8 + length) };
    at += CHUNK_OVERHEAD + length;
  }
}

/** Offset of the IEND chunk, which must be the last one (§5.6). */
function findIend(png: Buffer): number {
  for (const c of chunks(png)) {
    if (c.type !== 'IEND') continue;
    if (c.at + CHUNK_OVERHEAD + c.data.length !== png.length) {
      throw new AevError('E_MEDIA_FORMAT', 'PNG has bytes after IEND');
    }
    return c.at;
  }
  throw new AevError('E_MEDIA_FORMAT', 'PNG has no IEND chunk');
}
