import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { sshString } from './ssh-wire.ts';

/** The device's Ed25519 key as bytes: the private half only ever goes into the vault (encrypted). */
export interface GeneratedDeviceKey {
  readonly privateKeyPkcs8Der: Buffer;
  readonly publicKeyRaw: Buffer;
}

export function generateDeviceKey(): GeneratedDeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKeyRaw: rawPublicKey(publicKey),
  };
}

export function loadDeviceKey(pkcs8Der: Buffer): { readonly privateKey: KeyObject; readonly publicKeyRaw: Buffer } {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new AevError('E_OBJECT_CORRUPT', 'the device key is not a valid PKCS#8 key', undefined, { cause });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new AevError('E_OBJECT_CORRUPT', 'the device key is not Ed25519');
  return { privateKey, publicKeyRaw: rawPublicKey(createPublicKey(privateKey)) };
}

/** A KeyObject for a raw 32-byte Ed25519 public key (RFC 8037 JWK form). */
export function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** RFC 8709 §4: the ssh-ed25519 public key blob. */
export function sshPublicKeyBlob(raw: Buffer): Buffer {
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
}

/** `ssh-ed25519 AAAA… comment`, as in an OpenSSH .pub file. */
export function publicKeyOpenSsh(raw: Buffer, comment: string): string {
  return `ssh-ed25519 ${sshPublicKeyBlob(raw).toString('base64')}${comment === '' ? '' : ` ${comment}`}`;
}

/** `SHA256:…` exactly as `ssh-keygen -l` prints it (base64 without padding). */
export function fingerprintSha256(raw: Buffer): string {
  return `SHA256:${createHash('sha256').update(sshPublicKeyBlob(raw)).digest('base64').replace(/=+$/, '')}`;
}

/** An allowed_signers line (ssh-keygen(1) ALLOWED SIGNERS) restricted to our namespace. */
export function allowedSignersLine(principal: string, raw: Buffer, namespace = 'agent-evidence'): string {
  return `${principal} namespaces="${namespace}" ${publicKeyOpenSsh(raw, '')}`;
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new AevError('E_INTERNAL', 'not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}
