import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { publicKeyFromRaw, sshPublicKeyBlob } from './device-key.ts';
import { SshReader, sshString, sshUint32 } from './ssh-wire.ts';

// OpenSSH PROTOCOL.sshsig: a detached signature over H(message), bound to a namespace so a signature
// made for one purpose cannot be replayed for another. `ssh-keygen -Y verify` checks it.
const MAGIC = Buffer.from('SSHSIG');
const VERSION = 1;
type HashAlg = 'sha256' | 'sha512';

export type SshsigCode = 'SIG_MALFORMED' | 'SIG_NAMESPACE' | 'SIG_KEY_MISMATCH' | 'SIG_BAD' | 'SIG_UNSUPPORTED';
export interface SshsigVerdict {
  readonly valid: boolean;
  readonly code?: SshsigCode;
  readonly message?: string;
}

/** The bytes actually signed (PROTOCOL.sshsig "Signed Data"). */
function signedData(message: Buffer, namespace: string, hashAlg: HashAlg): Buffer {
  const digest = createHash(hashAlg).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
}

export function signSshsig(
  message: Buffer,
  privateKey: KeyObject,
  namespace = 'agent-evidence',
  hashAlg: HashAlg = 'sha512',
): string {
  const publicKeyRaw = Buffer.from(privateKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const signature = sign(null, signedData(message, namespace, hashAlg), privateKey);
  const blob = Buffer.concat([
    MAGIC,
    sshUint32(VERSION),
    sshString(sshPublicKeyBlob(publicKeyRaw)),
    sshString(namespace),
    sshString(''),
    sshString(hashAlg),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(signature)])),
  ]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

/** Checks an armored SSHSIG over `message` by exactly `expectedPublicKeyRaw`; never throws. */
export function verifySshsig(
  message: Buffer,
  armored: string,
  expectedPublicKeyRaw: Buffer,
  namespace = 'agent-evidence',
): SshsigVerdict {
  const m = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored);
  if (m?.[1] === undefined) return { valid: false, code: 'SIG_MALFORMED', message: 'no SSH SIGNATURE block' };
  try {
    const r = new SshReader(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
    if (!r.bytes(6).equals(MAGIC) || r.uint32() !== VERSION)
      return { valid: false, code: 'SIG_MALFORMED', message: 'not an SSHSIG v1 signature' };
    const keyBlob = r.string();
    const ns = r.text();
    r.string(); // reserved
    const hashAlg = r.text();
    const sigBlob = new SshReader(r.string());
    if (!r.done) return { valid: false, code: 'SIG_MALFORMED', message: 'trailing bytes after the signature' };
    if (ns !== namespace)
      return {
        valid: false,
        code: 'SIG_NAMESPACE',
        message: `namespace is ${JSON.stringify(ns)}, expected ${JSON.stringify(namespace)}`,
      };
    if (hashAlg !== 'sha256' && hashAlg !== 'sha512')
      return { valid: false, code: 'SIG_UNSUPPORTED', message: `hash ${hashAlg}` };
    if (!keyBlob.equals(sshPublicKeyBlob(expectedPublicKeyRaw)))
      return { valid: false, code: 'SIG_KEY_MISMATCH', message: 'signed by another key' };
    if (sigBlob.text() !== 'ssh-ed25519')
      return { valid: false, code: 'SIG_UNSUPPORTED', message: 'not an ssh-ed25519 signature' };
    const signature = sigBlob.string();
    const ok = verify(null, signedData(message, namespace, hashAlg), publicKeyFromRaw(expectedPublicKeyRaw), signature);
    return ok
      ? { valid: true }
      : { valid: false, code: 'SIG_BAD', message: 'the signature does not match the message' };
  } catch {
    return { valid: false, code: 'SIG_MALFORMED', message: 'the signature cannot be parsed' };
  }
}
