import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { bech32Decode, bech32Encode } from './age-bech32.ts';

// age-encryption.org/v1 "The X25519 recipient type": recipients are Bech32 with HRP "age", identities
// Bech32 with HRP "AGE-SECRET-KEY-" in upper case; both hold 32 raw bytes (RFC 7748 u-coordinate, scalar).
const RECIPIENT_HRP = 'age';
const IDENTITY_HRP = 'age-secret-key-';
const KEY_BYTES = 32;

// node:crypto imports raw X25519 keys through their fixed DER wrappings (RFC 8410 §7 and §10):
// SubjectPublicKeyInfo and PKCS #8 OneAsymmetricKey with OID 1.3.101.110, the key at the end.
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** An X25519 identity: its private key for node:crypto and its public key bytes (the recipient). */
export interface AgeIdentity {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

/** The 32-byte X25519 public key of an `age1…` recipient; E_USAGE for anything else. */
export function parseRecipient(text: string): Buffer {
  const d = bech32Decode(text);
  if (d?.hrp !== RECIPIENT_HRP || d.data.length !== KEY_BYTES || text !== text.toLowerCase())
    throw new AevError('E_USAGE', `not an age X25519 recipient (age1…): ${JSON.stringify(text.slice(0, 80))}`);
  return d.data;
}

/** An `AGE-SECRET-KEY-1…` identity; E_USAGE for anything else (the key itself is never echoed). */
export function parseIdentity(text: string): AgeIdentity {
  const d = bech32Decode(text);
  if (d?.hrp !== IDENTITY_HRP || d.data.length !== KEY_BYTES || text !== text.toUpperCase())
    throw new AevError('E_USAGE', 'not an age X25519 identity (AGE-SECRET-KEY-1…)');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, d.data]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

/** The `age1…` string of a public key (as `age-keygen -y` prints it). */
export function formatRecipient(publicKey: Buffer): string {
  return bech32Encode(RECIPIENT_HRP, publicKey);
}

/** A fresh identity as `age-keygen` writes it, with its recipient. */
export function generateIdentity(): { readonly identity: string; readonly recipient: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const scalar = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return {
    identity: bech32Encode(IDENTITY_HRP, scalar).toUpperCase(),
    recipient: formatRecipient(rawPublicKey(publicKey)),
  };
}

/** A one-time key pair for one recipient stanza. */
export function ephemeralKeyPair(): AgeIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

/**
 * X25519(private, public) per RFC 7748 §5. An all-zero result (a low-order public point) is refused, as
 * age-encryption.org/v1 requires; OpenSSL already fails the derivation for it, and either way it is E_AGE_FORMAT.
 */
export function x25519(privateKey: KeyObject, peer: Buffer): Buffer {
  let shared: Buffer;
  try {
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, peer]), format: 'der', type: 'spki' });
    shared = diffieHellman({ privateKey, publicKey });
  } catch (cause) {
    throw new AevError('E_AGE_FORMAT', 'an X25519 share in the age header is not a usable public key', undefined, {
      cause,
    });
  }
  if (shared.every((b) => b === 0))
    throw new AevError('E_AGE_FORMAT', 'an X25519 share in the age header is a low-order point');
  return shared;
}

/** HKDF-SHA-256 (RFC 5869) to 32 bytes, the one KDF age uses. */
export function hkdf32(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}
