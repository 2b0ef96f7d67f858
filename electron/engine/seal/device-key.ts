import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { SshReader, sshString } from './ssh-wire.ts';

// The device's Ed25519 key handled as bytes only: the PKCS#8 private half goes straight into the vault
// (encrypted there), so nothing in this file reads or writes files.
const KEY_TYPE = 'ssh-ed25519';
const RAW_KEY_BYTES = 32; // RFC 8032 §5.1.5

export interface GeneratedDeviceKey {
  readonly privateKeyPkcs8Der: Buffer;
  readonly publicKeyRaw: Buffer;
}

export interface LoadedDeviceKey {
  readonly privateKey: KeyObject;
  readonly publicKeyRaw: Buffer;
}

export function generateDeviceKey(): GeneratedDeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKeyRaw: ed25519PublicKeyRaw(publicKey),
  };
}

/** Opens a PKCS#8 DER Ed25519 private key (as the vault returns it); E_OBJECT_CORRUPT if it is not one. */
export function loadDeviceKey(pkcs8Der: Buffer): LoadedDeviceKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new AevError('E_OBJECT_CORRUPT', 'the device key is not a valid PKCS#8 key', undefined, { cause });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new AevError('E_OBJECT_CORRUPT', 'the device key is not Ed25519');
  return { privateKey, publicKeyRaw: ed25519PublicKeyRaw(privateKey) };
}

/** The raw 32-byte public key of an Ed25519 KeyObject, private or public. */
export function ed25519PublicKeyRaw(key: KeyObject): Buffer {
  const jwk: JsonWebKey = key.asymmetricKeyType === 'ed25519' ? key.export({ format: 'jwk' }) : {};
  if (typeof jwk.x !== 'string') throw new AevError('E_INTERNAL', 'not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** A KeyObject for a raw 32-byte Ed25519 public key (RFC 8037 JWK form). */
export function publicKeyFromRaw(raw: Buffer): KeyObject {
  assertRawKey(raw);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** RFC 8709 §4: the ssh-ed25519 public key blob (`string "ssh-ed25519"`, `string key`). */
export function sshPublicKeyBlob(raw: Buffer): Buffer {
  assertRawKey(raw);
  return Buffer.concat([sshString(KEY_TYPE), sshString(raw)]);
}

/** `ssh-ed25519 AAAA… comment`, as in an OpenSSH .pub file (and an authorized_keys line). */
export function publicKeyOpenSsh(raw: Buffer, comment: string): string {
  if (/[\p{Cc}]/u.test(comment)) throw new AevError('E_USAGE', 'a key comment cannot hold control characters');
  return `${KEY_TYPE} ${sshPublicKeyBlob(raw).toString('base64')}${comment === '' ? '' : ` ${comment}`}`;
}

/** The raw key out of an `ssh-ed25519 AAAA… [comment]` line (a .pub file, a bundle); E_SCHEMA if it is not one. */
export function parseOpenSshPublicKey(line: string): Buffer {
  const [type, b64 = ''] = line.trim().split(/\s+/);
  const blob = Buffer.from(b64, 'base64');
  // Re-encoding must give back the text: Node's base64 decoder skips characters it does not know.
  const raw = type === KEY_TYPE && b64 !== '' && blob.toString('base64') === b64 ? ed25519KeyFromBlob(blob) : null;
  if (raw === null) throw new AevError('E_SCHEMA', 'not an ssh-ed25519 public key line');
  return raw;
}

/** The raw key inside an RFC 8709 ssh-ed25519 key blob, or null when the blob is anything else. */
export function ed25519KeyFromBlob(blob: Buffer): Buffer | null {
  try {
    const r = new SshReader(blob);
    const type = r.text();
    const raw = r.string();
    return type === KEY_TYPE && raw.length === RAW_KEY_BYTES && r.done ? Buffer.from(raw) : null;
  } catch {
    return null;
  }
}

/** `SHA256:…` exactly as `ssh-keygen -l` prints it: SHA-256 of the key blob, base64 without padding. */
export function fingerprintSha256(raw: Buffer): string {
  return `SHA256:${createHash('sha256').update(sshPublicKeyBlob(raw)).digest('base64').replace(/=+$/, '')}`;
}

/**
 * An allowed_signers line (ssh-keygen(1), ALLOWED SIGNERS) that trusts the key for our namespace only,
 * so the device key cannot vouch for git commits or anything else signed with SSHSIG.
 */
export function allowedSignersLine(principal: string, raw: Buffer, namespace = 'agent-evidence'): string {
  // One principal, one namespace: whitespace, quotes and commas would change what the line means.
  const plain = /^[^\s",\p{Cc}]+$/u;
  if (!plain.test(principal) || !plain.test(namespace))
    throw new AevError('E_USAGE', 'a principal or namespace cannot hold whitespace, quotes or commas');
  return `${principal} namespaces="${namespace}" ${publicKeyOpenSsh(raw, '')}`;
}

function assertRawKey(raw: Buffer): void {
  if (!Buffer.isBuffer(raw) || raw.length !== RAW_KEY_BYTES)
    throw new AevError('E_SCHEMA', `an Ed25519 public key is ${RAW_KEY_BYTES} bytes`);
}
