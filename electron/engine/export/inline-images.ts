import { randomBytes } from 'node:crypto';
import { READER_AHEAD, READER_GROUP } from './object-reader-thread.ts';
import { readAhead } from './read-ahead.ts';
import type { AsyncStreamedContent } from './ustar-writer.ts';

/**
 * An image whose bytes are fetched only when the page reaches it: a still the exporter archived earlier
 * and reads again from the vault for report.html, instead of holding up to 48 MiB of copies until the
 * page is made (fresh memory, page faults and garbage collection on the engine thread). `fetch` must
 * give exactly `size` bytes (the caller checks them against what it archived); `release` is called once
 * they are encoded.
 */
export interface DeferredImage {
  readonly size: number;
  fetch(): Promise<{ readonly bytes: Buffer; readonly release: () => void }>;
}

/**
 * Images fetched ahead of the one being encoded, asked for a group at a time: the stills come through the
 * export's vault reader thread, which answers a group in one message (a still fetched one at a time
 * cost the page a round trip between threads each, with the reader idle meanwhile).
 */
const FETCH_AHEAD = READER_AHEAD;
const FETCH_GROUP = READER_GROUP;

/** Pieces of the page are at most this large. */
const PIECE_BYTES = 64 * 1024;
/** An image is encoded this many bytes at a time: a multiple of 3 (no piece is padded), 64 KiB of base64. */
const IMAGE_PIECE_BYTES = (PIECE_BYTES / 4) * 3;

/**
 * The images report.html embeds as `data:` URIs, kept out of the page's text until its bytes are made:
 * the template holds a marker per image, and `render` gives the page's exact size and then its bytes in
 * small pieces, each image's base64 made piece by piece as the archive takes it. An hour's report embeds
 * up to 48 MiB of PNG; as one JavaScript string (base64 text, template concatenation, then UTF-8
 * encoding) and then one buffer, that cost more than a second of CPU and as much in garbage collection
 * and page faults, for bytes that are ASCII by construction.
 */
export class InlineImages {
  /** Random per report, so no recorded text (escaped or not) can forge or collide with a marker. */
  readonly #nonce = randomBytes(16).toString('hex');
  readonly #images: (Buffer | DeferredImage)[] = [];

  /** A marker standing for `bytes` as base64 (the text of a `data:image/png;base64,…` URI's data). */
  base64(bytes: Buffer | DeferredImage): string {
    this.#images.push(bytes);
    return `\u0000${this.#nonce}:${this.#images.length - 1}\u0000`;
  }

  /**
   * `html` as UTF-8 with every marker replaced by its image's base64: its exact size, and its bytes in
   * pieces of at most 64 KiB, made as they are archived.
   */
  render(html: string): AsyncStreamedContent {
    const parts = html.split(new RegExp(`\u0000${this.#nonce}:(\\d+)\u0000`));
    // split() with a capture group alternates text, image index, text, …
    const pieces = parts.map((p, i) => (i % 2 === 1 ? (this.#images[Number(p)] ?? Buffer.alloc(0)) : p));
    let size = 0;
    for (const p of pieces) {
      if (typeof p === 'string') size += Buffer.byteLength(p, 'utf8');
      else size += 4 * Math.ceil((Buffer.isBuffer(p) ? p.length : p.size) / 3);
    }
    return { size, pieces: () => renderPieces(pieces) };
  }
}

async function* renderPieces(pieces: readonly (string | Buffer | DeferredImage)[]): AsyncGenerator<Buffer> {
  const deferred = pieces.filter((p): p is DeferredImage => typeof p !== 'string' && !Buffer.isBuffer(p));
  const fetched = readAhead(deferred, (d) => d.fetch(), FETCH_AHEAD, FETCH_GROUP);
  for (const p of pieces) {
    if (typeof p === 'string') {
      const text = Buffer.from(p, 'utf8');
      for (let off = 0; off < text.length; off += PIECE_BYTES) yield text.subarray(off, off + PIECE_BYTES);
      continue;
    }
    if (Buffer.isBuffer(p)) {
      yield* base64Pieces(p);
      continue;
    }
    const next = await fetched.next();
    if (next.done === true) throw new Error('report.html: an image was not fetched');
    const image = next.value[1];
    try {
      yield* base64Pieces(image.bytes.subarray(0, p.size));
    } finally {
      image.release();
    }
  }
}

/** Base64 is ASCII: latin1 turns each character into its one byte. */
function* base64Pieces(p: Buffer): Generator<Buffer> {
  for (let off = 0; off < p.length; off += IMAGE_PIECE_BYTES)
    yield Buffer.from(p.toString('base64', off, Math.min(off + IMAGE_PIECE_BYTES, p.length)), 'latin1');
}
