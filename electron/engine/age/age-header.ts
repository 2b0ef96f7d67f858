import { createHmac, timingSafeEqual } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { hkdf32 } from './age-keys.ts';

// age-encryption.org/v1 "Header": a version line, one stanza per recipient ("-> " arguments, then the body
// as unpadded base64 in lines of 64 columns, the last one shorter, possibly empty), then "--- " and the
// header MAC, HMAC-SHA-256 under HKDF(file key, "", "header") over everything up to and including "---".

export const AGE_VERSION_LINE = 'age-encryption.org/v1';
const STANZA_PREFIX = '-> ';
const MAC_PREFIX = '---';
const COLUMNS = 64;
const MAC_BYTES = 32;
/** A header larger than this is refused before it is parsed further (~8,000 X25519 recipients). */
export const MAX_HEADER_BYTES = 1024 * 1024;

export interface Stanza {
  readonly args: readonly string[];
  readonly body: Buffer;
}

export interface ParsedHeader {
  readonly stanzas: readonly Stanza[];
  /** The bytes the MAC covers (through "---"). */
  readonly macInput: Buffer;
  readonly mac: Buffer;
  /** The header's length in bytes, including the MAC line's newline: where the payload begins. */
  readonly size: number;
}

/** Unpadded standard base64 (RFC 4648 §4 without "="), as age writes it. */
export function base64Raw(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64').replace(/=+$/, '');
}

/** Strict unpadded base64: only canonical encodings (no padding, no stray bits), else null. */
export function fromBase64Raw(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) return null;
  const b = Buffer.from(s, 'base64');
  return base64Raw(b) === s ? b : null;
}

export function encodeStanza(s: Stanza): string {
  const text = base64Raw(s.body);
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += COLUMNS) lines.push(text.slice(i, i + COLUMNS));
  // The body always ends with a line shorter than 64 columns, so a full last line is followed by an empty one.
  if (text.length % COLUMNS === 0) lines.push('');
  return `${STANZA_PREFIX}${s.args.join(' ')}\n${lines.map((l) => `${l}\n`).join('')}`;
}

/** The whole header for `stanzas`, MAC'd with the file key. */
export function encodeHeader(stanzas: readonly Stanza[], fileKey: Buffer): Buffer {
  const macInput = Buffer.from(`${AGE_VERSION_LINE}\n${stanzas.map(encodeStanza).join('')}${MAC_PREFIX}`, 'ascii');
  return Buffer.concat([macInput, Buffer.from(` ${base64Raw(headerMac(fileKey, macInput))}\n`, 'ascii')]);
}

export function headerMac(fileKey: Buffer, macInput: Buffer): Buffer {
  return createHmac('sha256', hkdf32(fileKey, Buffer.alloc(0), 'header'))
    .update(macInput)
    .digest();
}

/** Checks the MAC with the unwrapped file key (constant time); a mismatch is a changed header. */
export function checkHeaderMac(header: ParsedHeader, fileKey: Buffer): void {
  if (!timingSafeEqual(headerMac(fileKey, header.macInput), header.mac))
    throw new AevError('E_AGE_AUTH', 'the age header fails its MAC: it was changed after encryption');
}

/**
 * Parses the header at the start of `buf`. Returns null while `buf` may still be an incomplete header;
 * anything malformed is E_AGE_FORMAT (the spec's parsing rules are strict, and so are we).
 */
export function parseHeader(buf: Buffer): ParsedHeader | null {
  const lines = new LineCursor(buf);
  const version = lines.next();
  if (version === null) return incomplete(buf);
  if (version !== AGE_VERSION_LINE)
    throw format(`not an age v1 file (first line ${JSON.stringify(version.slice(0, 40))})`);
  const stanzas: Stanza[] = [];
  for (;;) {
    const start = lines.offset;
    const line = lines.next();
    if (line === null) return incomplete(buf);
    if (line.startsWith(STANZA_PREFIX)) {
      const args = line.slice(STANZA_PREFIX.length).split(' ');
      if (args.some((a) => !/^[\x21-\x7e]+$/.test(a))) throw format('a stanza has an empty or non-printable argument');
      const parts: string[] = [];
      for (;;) {
        const body = lines.next();
        if (body === null) return incomplete(buf);
        if (body.length > COLUMNS) throw format('a stanza body line is longer than 64 columns');
        parts.push(body);
        if (body.length < COLUMNS) break;
      }
      const body = fromBase64Raw(parts.join(''));
      if (body === null) throw format('a stanza body is not canonical unpadded base64');
      stanzas.push({ args, body });
      continue;
    }
    if (line.startsWith(`${MAC_PREFIX} `)) {
      const mac = fromBase64Raw(line.slice(MAC_PREFIX.length + 1));
      if (mac?.length !== MAC_BYTES) throw format('the header MAC line is malformed');
      if (stanzas.length === 0) throw format('the header has no recipient stanza');
      return { stanzas, macInput: buf.subarray(0, start + MAC_PREFIX.length), mac, size: lines.offset };
    }
    throw format(`unexpected header line ${JSON.stringify(line.slice(0, 40))}`);
  }
}

function incomplete(buf: Buffer): null {
  if (buf.length >= MAX_HEADER_BYTES) throw format(`the header is larger than ${MAX_HEADER_BYTES} bytes`);
  return null;
}

function format(message: string): AevError {
  return new AevError('E_AGE_FORMAT', `malformed age header: ${message}`);
}

/** ASCII lines ending in "\n" (no "\r": the spec's lines end in LF only). */
class LineCursor {
  readonly #buf: Buffer;
  offset = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  next(): string | null {
    const end = this.#buf.indexOf(0x0a, this.offset);
    if (end < 0 || end - this.offset > MAX_HEADER_BYTES) return null;
    const line = this.#buf.toString('latin1', this.offset, end);
    if (!/^[\x20-\x7e]*$/.test(line)) throw format('a header line has a byte outside printable ASCII');
    this.offset = end + 1;
    return line;
  }
}
