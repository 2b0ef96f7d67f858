import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { hkdf32 } from './age-keys.ts';

// age-encryption.org/v1 "Payload": a 16-byte nonce, then STREAM (Hoang, Reyhanitabar, Rogaway, Vizár,
// "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", §7) over ChaCha20-Poly1305
// (RFC 8439) under HKDF-SHA-256(file key, nonce, "payload"): 64 KiB plaintext chunks, each nonce an
// 11-byte big-endian chunk counter and a last-chunk flag byte. Only the last chunk may be short, and it
// is empty only when the whole plaintext is. Every chunk is authenticated before any of it is released.

export const PAYLOAD_NONCE_BYTES = 16;
export const CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
export const SEALED_CHUNK_BYTES = CHUNK_BYTES + TAG_BYTES;
/** The counter is written in the low 6 of its 11 bytes: 2^48 chunks (16 EiB) is beyond any file here. */
const MAX_CHUNKS = 2 ** 48;

export function payloadKey(fileKey: Buffer, nonce: Buffer): KeyObject {
  return createSecretKey(hkdf32(fileKey, nonce, 'payload'));
}

function chunkNonce(counter: number, last: boolean): Buffer {
  if (counter >= MAX_CHUNKS) throw new AevError('E_INTERNAL', 'the age payload is too long for its chunk counter');
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/**
 * Encrypts a payload pushed in pieces of any size. A full chunk is sealed only once more bytes arrive
 * (until then it may be the last one, whose nonce differs); `finish` seals what is left as the last.
 * Ciphertext and tags are appended to `out` as they are made (fresh buffers the caller may keep).
 */
/**
 * Cuts bytes pushed in pieces of any size into chunks of `size`. A chunk is handed on only once a byte
 * after it has arrived, so it is known not to be the last (whose nonce differs); whole chunks with bytes
 * after them go straight from the input, uncopied. `rest()` is what is held when the input ends.
 */
class HeldChunks {
  readonly size: number;
  readonly #held: Buffer;
  #fill = 0;

  constructor(size: number) {
    this.size = size;
    this.#held = Buffer.allocUnsafe(size);
  }

  /** `onChunk` must use the chunk before it returns (the held buffer is reused). */
  push(data: Uint8Array, onChunk: (chunk: Uint8Array) => void): void {
    let off = 0;
    while (off < data.length) {
      if (this.#fill === this.size) {
        onChunk(this.#held);
        this.#fill = 0;
      }
      if (this.#fill === 0 && data.length - off > this.size) {
        onChunk(data.subarray(off, off + this.size));
        off += this.size;
        continue;
      }
      const n = Math.min(this.size - this.#fill, data.length - off);
      this.#held.set(data.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
    }
  }

  rest(): Uint8Array {
    return this.#held.subarray(0, this.#fill);
  }
}

/**
 * Encrypts a payload pushed in pieces of any size; `finish` seals what is left as the last chunk.
 * Ciphertext and tags are appended to `out` as they are made (fresh buffers the caller may keep).
 */
export class AgePayloadEncryptor {
  readonly #key: KeyObject;
  readonly #chunks = new HeldChunks(CHUNK_BYTES);
  #counter = 0;
  #finished = false;

  constructor(key: KeyObject) {
    this.#key = key;
  }

  push(data: Uint8Array, out: Buffer[]): void {
    if (this.#finished) throw new AevError('E_INTERNAL', 'the age payload is already finished');
    this.#chunks.push(data, (chunk) => {
      this.#seal(chunk, false, out);
    });
  }

  finish(out: Buffer[]): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#seal(this.#chunks.rest(), true, out);
  }

  #seal(plain: Uint8Array, last: boolean, out: Buffer[]): void {
    const c = createCipheriv('chacha20-poly1305', this.#key, chunkNonce(this.#counter, last), {
      authTagLength: TAG_BYTES,
    });
    this.#counter += 1;
    out.push(c.update(plain));
    c.final();
    out.push(c.getAuthTag());
  }
}

/**
 * Decrypts a payload pushed in pieces of any size; the counterpart of AgePayloadEncryptor. A sealed
 * chunk is opened as a middle chunk only when more bytes follow it, so a file cut at a chunk boundary
 * fails (its last chunk was sealed as a middle one) instead of passing as complete.
 */
export class AgePayloadDecryptor {
  readonly #key: KeyObject;
  readonly #chunks = new HeldChunks(SEALED_CHUNK_BYTES);
  #counter: number;
  #finished = false;

  /** `firstChunk`: the index of the first chunk pushed, when decryption resumes mid-payload. */
  constructor(key: KeyObject, firstChunk = 0) {
    this.#key = key;
    this.#counter = firstChunk;
  }

  /** Chunks opened so far (counting from chunk 0): where another decryptor may resume. */
  get chunksOpened(): number {
    return this.#counter;
  }

  /** Appends the plaintext of every chunk known to be complete and authentic to `out`. */
  push(data: Uint8Array, out: Buffer[]): void {
    if (this.#finished && data.length > 0) throw corrupt('bytes follow the last chunk of the encrypted payload');
    this.#chunks.push(data, (chunk) => {
      this.#open(chunk, false, out);
    });
  }

  /** The end of the input: what is held must be the last chunk. */
  finish(out: Buffer[]): void {
    if (this.#finished) return;
    const rest = this.#chunks.rest();
    if (rest.length < TAG_BYTES) throw corrupt('the encrypted payload is cut short (its last chunk is missing)');
    const before = out.length;
    this.#open(rest, true, out);
    this.#finished = true;
    if (this.#counter > 1 && out.length === before + 1 && out[before]?.length === 0)
      throw new AevError('E_AGE_FORMAT', 'the encrypted payload ends with an empty chunk, which age v1 forbids');
  }

  #open(sealed: Uint8Array, last: boolean, out: Buffer[]): void {
    const at = this.#counter;
    const d = createDecipheriv('chacha20-poly1305', this.#key, chunkNonce(at, last), { authTagLength: TAG_BYTES });
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = d.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      d.final();
    } catch (cause) {
      throw corrupt(
        `chunk ${at} of the encrypted payload fails authentication: it was changed${last ? ' or cut short' : ''}`,
        cause,
      );
    }
    this.#counter += 1;
    out.push(plain);
  }
}

function corrupt(message: string, cause?: unknown): AevError {
  return new AevError('E_AGE_AUTH', message, undefined, cause === undefined ? undefined : { cause });
}
