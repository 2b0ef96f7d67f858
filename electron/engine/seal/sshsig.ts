import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { ed25519KeyFromBlob, ed25519PublicKeyRaw, publicKeyFromRaw, sshPublicKeyBlob } from './device-key.ts';
import { SshReader, sshString, sshUint32 } from './ssh-wire.ts';

// OpenSSH PROTOCOL.sshsig: a detached signature over H(message), bound to a namespace so a signature
// made for one purpose cannot be replayed for another. `ssh-keygen -Y verify` checks it.
const MAGIC = Buffer.from('SSHSIG');
const VERSION = 1;
const KEY_TYPE = 'ssh-ed25519';
const ED25519_SIGNATURE_BYTES = 64; // RFC 8032 §5.1.6
const BEGIN = '-----BEGIN SSH SIGNATURE-----\n';
const END = '\n-----END SSH SIGNATURE-----';
const WRAP = 70; // ssh-keygen wraps the armored base64 at 70 columns (sshbuf_dtob64)

export type SshsigHashAlg = 'sha256' | 'sha512';
export type SshsigCode = 'SIG_MALFORMED' | 'SIG_NAMESPACE' | 'SIG_KEY_MISMATCH' | 'SIG_BAD' | 'SIG_UNSUPPORTED';
export interface SshsigVerdict {
  readonly valid: boolean;
  readonly code?: SshsigCode;
  readonly message?: string;
}

/** Signs `message` as `ssh-keygen -Y sign -n <namespace>` would (byte for byte: Ed25519 is deterministic). */
export function signSshsig(
  message: Buffer,
  privateKey: KeyObject,
  namespace = 'agent-evidence',
  hashAlg: SshsigHashAlg = 'sha512',
): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519')
    throw new AevError('E_INTERNAL', 'SSHSIG signing needs an Ed25519 private key');
  // PROTOCOL.sshsig: the namespace MUST NOT be empty; only sha256 and sha512 are defined.
  if (namespace === '') throw new AevError('E_INTERNAL', 'an SSHSIG namespace cannot be empty');
  if (!isHashAlg(hashAlg)) throw new AevError('E_INTERNAL', `unsupported SSHSIG hash ${String(hashAlg)}`);
  const signature = sign(null, signedData(message, namespace, hashAlg), privateKey);
  const blob = Buffer.concat([
    MAGIC,
    sshUint32(VERSION),
    sshString(sshPublicKeyBlob(ed25519PublicKeyRaw(privateKey))),
    sshString(namespace),
    sshString(''), // reserved
    sshString(hashAlg),
    sshString(Buffer.concat([sshString(KEY_TYPE), sshString(signature)])), // RFC 8709 §6 signature blob
  ]);
  const b64 = blob.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += WRAP) lines.push(b64.slice(i, i + WRAP));
  return `${BEGIN}${lines.join('\n')}${END}\n`;
}

/**
 * Checks an armored SSHSIG over `message` by exactly `expectedPublicKeyRaw` in `namespace`. Never
 * throws: anything it cannot parse is SIG_MALFORMED. It accepts no armor ssh-keygen would refuse.
 */
export function verifySshsig(
  message: Buffer,
  armored: string,
  expectedPublicKeyRaw: Buffer,
  namespace = 'agent-evidence',
): SshsigVerdict {
  try {
    return check(message, armored, expectedPublicKeyRaw, namespace);
  } catch {
    return fail('SIG_MALFORMED', 'the signature cannot be parsed');
  }
}

function check(message: Buffer, armored: string, expected: Buffer, namespace: string): SshsigVerdict {
  const blob = dearmor(armored);
  if (blob === null) return fail('SIG_MALFORMED', 'not an armored SSH SIGNATURE');
  const r = new SshReader(blob);
  if (!r.bytes(MAGIC.length).equals(MAGIC) || r.uint32() !== VERSION)
    return fail('SIG_MALFORMED', 'not an SSHSIG version 1 signature');
  const keyBlob = r.string();
  const ns = r.string();
  r.string(); // reserved: ignored, and signed as empty (as ssh-keygen does)
  const hashAlg = r.text();
  const sig = new SshReader(r.string());
  if (!r.done) return fail('SIG_MALFORMED', 'trailing bytes after the signature');
  const sigType = sig.text();
  const signature = sig.string();
  if (!sig.done) return fail('SIG_MALFORMED', 'trailing bytes inside the signature');

  if (!isHashAlg(hashAlg)) return fail('SIG_UNSUPPORTED', `hash algorithm ${JSON.stringify(hashAlg)}`);
  const keyType = new SshReader(keyBlob).text();
  if (keyType !== KEY_TYPE || sigType !== KEY_TYPE)
    return fail('SIG_UNSUPPORTED', `only ssh-ed25519 signatures are accepted, not ${JSON.stringify(keyType)}`);
  const signerKey = ed25519KeyFromBlob(keyBlob);
  if (signerKey === null || signature.length !== ED25519_SIGNATURE_BYTES)
    return fail('SIG_MALFORMED', 'malformed Ed25519 key or signature');
  if (!ns.equals(Buffer.from(namespace, 'utf8')))
    return fail(
      'SIG_NAMESPACE',
      `namespace is ${JSON.stringify(ns.toString('utf8'))}, expected ${JSON.stringify(namespace)}`,
    );
  if (!signerKey.equals(expected)) return fail('SIG_KEY_MISMATCH', 'signed by another key');
  const ok = verify(null, signedData(message, namespace, hashAlg), publicKeyFromRaw(signerKey), signature);
  return ok ? { valid: true } : fail('SIG_BAD', 'the signature does not match the message');
}

/** PROTOCOL.sshsig "Signed Data": what the key actually signs. */
function signedData(message: Buffer, namespace: string, hashAlg: SshsigHashAlg): Buffer {
  const digest = createHash(hashAlg).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
}

/**
 * As strict as ssh-keygen's sshsig_dearmor, so nothing we accept fails for an auditor: the header starts
 * the text, the footer follows a newline, and the body is canonical base64 (whitespace aside).
 */
function dearmor(armored: string): Buffer | null {
  if (typeof armored !== 'string' || !armored.startsWith(BEGIN)) return null;
  const end = armored.indexOf(END, BEGIN.length);
  if (end < 0 || armored.slice(end + END.length).trim() !== '') return null;
  const b64 = armored.slice(BEGIN.length, end).replace(/[ \t\r\n\f\v]/g, '');
  const blob = Buffer.from(b64, 'base64');
  return b64 !== '' && blob.toString('base64') === b64 ? blob : null;
}

function isHashAlg(s: string): s is SshsigHashAlg {
  return s === 'sha256' || s === 'sha512';
}

function fail(code: SshsigCode, message: string): SshsigVerdict {
  return { valid: false, code, message };
}
