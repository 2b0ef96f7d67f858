import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { encodeHeader } from './age-header.ts';
import { parseRecipient } from './age-keys.ts';
import { AgePayloadEncryptor, PAYLOAD_NONCE_BYTES, payloadKey } from './age-stream.ts';
import { wrapFileKey } from './age-x25519.ts';

const FILE_KEY_BYTES = 16;

/** What comes before an age file's payload, and the key its STREAM chunks are sealed under. */
export interface AgeFileStart {
  /** The header (with its MAC) and the 16-byte payload nonce: the file's first bytes. */
  readonly prefix: Buffer;
  /** HKDF-SHA-256(file key, nonce, "payload"); node:crypto can hand it to a worker thread as is. */
  readonly payloadKey: KeyObject;
}

/**
 * A fresh random file key wrapped once per `age1…` recipient (anything else is E_USAGE), the MAC'd header
 * and a random payload nonce (age-encryption.org/v1 "Header" and "Payload"). The file key is zeroed once
 * the payload key is derived: nothing else needs it.
 */
export function startAgeFile(recipients: readonly string[]): AgeFileStart {
  if (recipients.length === 0) throw new AevError('E_USAGE', 'age needs at least one recipient');
  const keys = recipients.map(parseRecipient);
  const fileKey = randomBytes(FILE_KEY_BYTES);
  const nonce = randomBytes(PAYLOAD_NONCE_BYTES);
  const prefix = Buffer.concat([
    encodeHeader(
      keys.map((k) => wrapFileKey(fileKey, k)),
      fileKey,
    ),
    nonce,
  ]);
  const key = payloadKey(fileKey, nonce);
  fileKey.fill(0);
  return { prefix, payloadKey: key };
}

/**
 * An age v1 file for X25519 recipients (age-encryption.org/v1), made with node:crypto alone: the start
 * `startAgeFile` makes, then the payload in STREAM chunks; the first `push` or `finish` gives the start
 * before its ciphertext. The output decrypts with the reference `age -d` and any conforming implementation.
 */
export class AgeEncryptor {
  readonly #prefix: Buffer;
  readonly #payload: AgePayloadEncryptor;
  #started = false;

  /** `recipients`: `age1…` strings; anything else is E_USAGE before a byte is written. */
  constructor(recipients: readonly string[]) {
    const start = startAgeFile(recipients);
    this.#prefix = start.prefix;
    this.#payload = new AgePayloadEncryptor(start.payloadKey);
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
