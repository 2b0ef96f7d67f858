import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { randomBytesFast } from '../runtime/random-pool.ts';

const KEY_BYTES = 32;
// NIST SP 800-38D §8.2.2: 96-bit random IVs; with one key the random-IV bound is 2^32 messages (§8.3),
// far above what one vault subkey seals.
const IV_BYTES = 12;
const TAG_BYTES = 16;

// Importing a raw key into OpenSSL on every call costs more than encrypting a 1 KB event; keep one
// KeyObject per key buffer (it goes when the buffer does).
const keyObjects = new WeakMap<Buffer, KeyObject>();
export function keyObjectFor(key: Buffer): KeyObject {
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = createSecretKey(key);
    keyObjects.set(key, k);
  }
  return k;
}

/** The bytes `sealBytes` adds to the plaintext (IV and tag). */
export const SEAL_OVERHEAD = IV_BYTES + TAG_BYTES;

/** AES-256-GCM with a random 96-bit IV; output is iv || ciphertext || tag. */
export function sealBytes(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES)
    throw new AevError('E_INTERNAL', `an AES-256-GCM key is ${KEY_BYTES} bytes, not ${key.length}`);
  const iv = randomBytesFast(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyObjectFor(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([iv, head, tail, cipher.getAuthTag()]);
}

/**
 * Opens what `sealBytes` produced under the same key and AAD. Any failure (short input, wrong key,
 * changed byte, different AAD) is E_OBJECT_CORRUPT: GCM cannot tell them apart, and neither should we.
 */
export function openBytes(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES || sealed.length < SEAL_OVERHEAD) {
    throw new AevError('E_OBJECT_CORRUPT', 'the encrypted data is truncated or the key is wrong', {
      bytes: sealed.length,
    });
  }
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyObjectFor(key), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(body);
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch (cause) {
    throw new AevError(
      'E_OBJECT_CORRUPT',
      'the encrypted data failed authentication (changed, swapped or wrong key)',
      { bytes: sealed.length },
      { cause },
    );
  }
}
