import { randomBytes } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { encodeHeader } from './age-header.ts';
import { parseRecipient } from './age-keys.ts';
import { AgePayloadEncryptor, PAYLOAD_NONCE_BYTES, payloadKey } from './age-stream.ts';
import { wrapFileKey } from './age-x25519.ts';

const FILE_KEY_BYTES = 16;

/**
 * An age v1 file for X25519 recipients (age-encryption.org/v1), made with node:crypto alone: a random
 * 16-byte file key wrapped once per recipient, the MAC'd header, a random payload nonce, then the payload
 * in STREAM chunks. `start()` gives the header and nonce; `push` and `finish` the ciphertext. The output
 * decrypts with the reference `age -d` and with any conforming implementation.
 */
export class AgeEncryptor {
  readonly #prefix: Buffer;
  readonly #payload: AgePayloadEncryptor;
  #started = false;

  /** `recipients`: `age1…` strings; anything else is E_USAGE before a byte is written. */
  constructor(recipients: readonly string[]) {
    if (recipients.length === 0) throw new AevError('E_USAGE', 'age needs at least one recipient');
    const keys = recipients.map(parseRecipient);
    const fileKey = randomBytes(FILE_KEY_BYTES);
    const nonce = randomBytes(PAYLOAD_NONCE_BYTES);
    this.#prefix = Buffer.concat([
      encodeHeader(
        keys.map((k) => wrapFileKey(fileKey, k)),
        fileKey,
      ),
      nonce,
    ]);
    this.#payload = new AgePayloadEncryptor(payloadKey(fileKey, nonce));
    fileKey.fill(0);
  }

  /** Appends ciphertext for `plain` (the header first, on the first call) to `out`. */
  push(plain: Uint8Array, out: Buffer[]): void {
    this.#start(out);
    this.#payload.push(plain, out);
  }

  /** Appends the last chunk to `out`; the file is complete after it. */
  finish(out: Buffer[]): void {
    this.#start(out);
    this.#payload.finish(out);
  }

  #start(out: Buffer[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push(this.#prefix);
  }
}

/** A whole buffer encrypted at once (small files and tests). */
export function ageEncrypt(plain: Uint8Array, recipients: readonly string[]): Buffer {
  const out: Buffer[] = [];
  const e = new AgeEncryptor(recipients);
  e.push(plain, out);
  e.finish(out);
  return Buffer.concat(out);
}
