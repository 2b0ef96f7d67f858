import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { keyObjectFor } from './aead.ts';

/*
 * Segmented AES-256-GCM (vault object format 2, docs/vault-objects.md). The construction is STREAM
 * (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
 * Misuse-Resistance", CRYPTO 2015, §7): the plaintext is cut into segments, each sealed on its own under
 * a nonce that is its position plus a last-segment flag, so a segment can be checked (and hashed) as soon
 * as it is read, yet no segment can be dropped, repeated, reordered or appended. The layout follows
 * age (age-encryption.org/v1, payload): 64 KiB segments, nonce = 11-byte big-endian counter ‖ 1-byte
 * flag. The key is per object, as in Tink's AES-GCM-HKDF streaming AEAD: HKDF-SHA256 (RFC 5869) of the
 * vault's objects subkey with a random 32-byte salt from the object's header, so counter nonces never
 * repeat under one key even when an object id is written twice, and the 2^32-invocation bound of
 * random 96-bit IVs (NIST SP 800-38D §8.3) does not apply.
 */

export const SEGMENT_LOG2 = 16;
/** Plaintext bytes per segment; every segment but the last is exactly this long. */
export const SEGMENT_BYTES = 2 ** SEGMENT_LOG2;
export const SEGMENT_TAG_BYTES = 16;
export const OBJECT_SALT_BYTES = 32;
const NONCE_BYTES = 12;
const KEY_BYTES = 32;
/** One segment as stored: ciphertext ‖ tag. */
export const SEALED_SEGMENT_BYTES = SEGMENT_BYTES + SEGMENT_TAG_BYTES;
// Segment indexes are written as 32 bits in the 11-byte counter: objects stay far below 256 TiB.
const MAX_SEGMENTS = 2 ** 32;

/** How many segments `plainBytes` takes: at least one, so an empty object still carries a final tag. */
export function segmentCount(plainBytes: number): number {
  return Math.max(1, Math.ceil(plainBytes / SEGMENT_BYTES));
}

/** Bytes of sealed segments for `plainBytes` of plaintext. */
export function sealedBytesOf(plainBytes: number): number {
  return plainBytes + segmentCount(plainBytes) * SEGMENT_TAG_BYTES;
}

/**
 * The plaintext length behind `sealedBytes` of segments, or null when no writer produces that length
 * (a segment cut short, or an empty segment after full ones): such a body was truncated or extended.
 */
export function plainBytesOf(sealedBytes: number): number | null {
  if (sealedBytes < SEGMENT_TAG_BYTES) return null;
  const count = Math.ceil(sealedBytes / SEALED_SEGMENT_BYTES);
  const last = sealedBytes - (count - 1) * SEALED_SEGMENT_BYTES;
  if (last < SEGMENT_TAG_BYTES || (count > 1 && last === SEGMENT_TAG_BYTES) || count > MAX_SEGMENTS) return null;
  return sealedBytes - count * SEGMENT_TAG_BYTES;
}

/**
 * One object's segment key and associated data. `aadPrefix` is what every segment authenticates besides
 * its position: the object's header (version, segment size, salt) and its identity (vault, kind, id).
 */
export class SegmentCipher {
  readonly #key: KeyObject;
  readonly #aad: Buffer;
  readonly #nonce: Buffer;

  /** `identity` is also HKDF's info, so a key derived for one object opens no other object's segments. */
  constructor(objectsKey: Buffer, salt: Buffer, identity: Buffer, aadPrefix: Buffer) {
    if (objectsKey.length !== KEY_BYTES)
      throw new AevError('E_INTERNAL', `an AES-256-GCM key is ${KEY_BYTES} bytes, not ${objectsKey.length}`);
    this.#key = createSecretKey(Buffer.from(hkdfSync('sha256', keyObjectFor(objectsKey), salt, identity, KEY_BYTES)));
    this.#aad = Buffer.alloc(aadPrefix.length + NONCE_BYTES);
    aadPrefix.copy(this.#aad);
    this.#nonce = this.#aad.subarray(aadPrefix.length);
  }

  /** Seals segment `index` of the object: returns [ciphertext, tag]. */
  seal(index: number, final: boolean, plain: Buffer): [Buffer, Buffer] {
    this.#position(index, final);
    const cipher = createCipheriv('aes-256-gcm', this.#key, this.#nonce, { authTagLength: SEGMENT_TAG_BYTES });
    cipher.setAAD(this.#aad);
    const body = cipher.update(plain);
    cipher.final();
    return [body, cipher.getAuthTag()];
  }

  /** Opens segment `index` (ciphertext ‖ tag); throws E_OBJECT_CORRUPT on any mismatch. */
  open(index: number, final: boolean, sealed: Buffer): Buffer {
    if (sealed.length < SEGMENT_TAG_BYTES || sealed.length > SEALED_SEGMENT_BYTES)
      throw new AevError('E_OBJECT_CORRUPT', `segment ${index} has an impossible length`, { index });
    this.#position(index, final);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#nonce, { authTagLength: SEGMENT_TAG_BYTES });
      decipher.setAAD(this.#aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - SEGMENT_TAG_BYTES));
      const plain = decipher.update(sealed.subarray(0, sealed.length - SEGMENT_TAG_BYTES));
      decipher.final();
      return plain;
    } catch (cause) {
      throw new AevError(
        'E_OBJECT_CORRUPT',
        `segment ${index} failed authentication (changed, moved, cut short or from another object)`,
        { index },
        { cause },
      );
    }
  }

  // STREAM's nonce: the segment's index and whether it is the last. The same 12 bytes end the AAD, so
  // the position is authenticated twice over (GCM derives its counter block from the nonce as well);
  // both views are rewritten together because the nonce is a view of the AAD buffer.
  #position(index: number, final: boolean): void {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS)
      throw new AevError('E_INTERNAL', `segment index ${index} is out of range`);
    this.#nonce.fill(0, 0, 7);
    this.#nonce.writeUInt32BE(index, 7);
    this.#nonce[11] = final ? 1 : 0;
  }
}
