import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { Stanza } from './age-header.ts';
import { base64Raw, fromBase64Raw } from './age-header.ts';
import type { AgeIdentity } from './age-keys.ts';
import { ephemeralKeyPair, hkdf32, x25519 } from './age-keys.ts';

// age-encryption.org/v1 "The X25519 recipient type": "-> X25519 <ephemeral share>", body = the 16-byte
// file key sealed with ChaCha20-Poly1305 (RFC 8439) under HKDF-SHA-256(ikm = shared secret,
// salt = share || recipient, info = "age-encryption.org/v1/X25519") with a zero nonce.
const TYPE = 'X25519';
const INFO = 'age-encryption.org/v1/X25519';
const FILE_KEY_BYTES = 16;
const TAG_BYTES = 16;
const ZERO_NONCE = Buffer.alloc(12);

export function wrapFileKey(fileKey: Buffer, recipient: Buffer): Stanza {
  const e = ephemeralKeyPair();
  const key = hkdf32(x25519(e.privateKey, recipient), Buffer.concat([e.publicKey, recipient]), INFO);
  const c = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
  return { args: [TYPE, base64Raw(e.publicKey)], body };
}

/**
 * The file key from the first X25519 stanza one of `identities` opens; null when none does (a file for
 * other recipients). A malformed X25519 stanza is E_AGE_FORMAT; an scrypt stanza is refused (age requires
 * it to be alone, and bundles are never passphrase-encrypted). Other stanza types (plugins, grease) are skipped.
 */
export function unwrapFileKey(stanzas: readonly Stanza[], identities: readonly AgeIdentity[]): Buffer | null {
  if (stanzas.some((s) => s.args[0] === 'scrypt'))
    throw new AevError('E_AGE_FORMAT', 'this age file is passphrase-encrypted (scrypt); use an X25519 identity');
  for (const s of stanzas) {
    if (s.args[0] !== TYPE) continue;
    const share = s.args.length === 2 ? fromBase64Raw(s.args[1] ?? '') : null;
    if (share?.length !== 32 || s.body.length !== FILE_KEY_BYTES + TAG_BYTES)
      throw new AevError('E_AGE_FORMAT', 'malformed age header: an X25519 stanza has the wrong shape');
    for (const id of identities) {
      const key = hkdf32(x25519(id.privateKey, share), Buffer.concat([share, id.publicKey]), INFO);
      const fileKey = open(key, s.body);
      if (fileKey !== null) return fileKey;
    }
  }
  return null;
}

function open(key: Buffer, body: Buffer): Buffer | null {
  const d = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: TAG_BYTES });
  d.setAuthTag(body.subarray(FILE_KEY_BYTES));
  try {
    return Buffer.concat([d.update(body.subarray(0, FILE_KEY_BYTES)), d.final()]);
  } catch {
    // Sealed for another identity: not an error, the next identity or stanza may open it.
    return null;
  }
}
