import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SshReader } from '../../../../electron/engine/seal/ssh-wire.ts';

/** Runs the real OpenSSH ssh-keygen in `dir` (test oracle for SSHSIG, fingerprints and key lines). */
export class SshKeygen {
  readonly dir: string;
  #n = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  run(args: readonly string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ssh-keygen', args, { cwd: this.dir, ...(input === undefined ? {} : { input }) });
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  /** A fresh file path in the temp dir holding `content`. */
  file(name: string, content: string | Buffer): string {
    const p = path.join(this.dir, `${String(++this.#n)}-${name}`);
    fs.writeFileSync(p, content, { mode: 0o600 });
    return p;
  }

  /** `ssh-keygen -t <type> -N ''`: returns the private key path and the .pub line. */
  generate(type: 'ed25519' | 'ecdsa' = 'ed25519'): { keyFile: string; pubLine: string } {
    const keyFile = path.join(this.dir, `${String(++this.#n)}-id_${type}`);
    const r = this.run(['-q', '-t', type, '-N', '', '-C', 'oracle@test', '-f', keyFile]);
    if (r.status !== 0) throw new Error(`ssh-keygen -t ${type} failed: ${r.stderr}`);
    return { keyFile, pubLine: fs.readFileSync(`${keyFile}.pub`, 'utf8').trim() };
  }

  /** `ssh-keygen -Y sign -f key -n namespace [-O hashalg=…]` over `message`; returns the armored text. */
  sign(keyFile: string, message: Buffer, namespace = 'agent-evidence', hashAlg?: string): string {
    const msgFile = this.file('msg', message);
    const opts = hashAlg === undefined ? [] : ['-O', `hashalg=${hashAlg}`];
    const r = this.run(['-Y', 'sign', '-f', keyFile, '-n', namespace, ...opts, msgFile]);
    if (r.status !== 0) throw new Error(`ssh-keygen -Y sign failed: ${r.stderr}`);
    return fs.readFileSync(`${msgFile}.sig`, 'utf8');
  }

  /** `ssh-keygen -Y verify -f allowed_signers -I principal -n namespace -s sig < message`. */
  verify(message: Buffer, armored: string, allowedSigners: string, principal: string, namespace = 'agent-evidence') {
    const allowed = this.file('allowed_signers', `${allowedSigners}\n`);
    const sig = this.file('record.sig', armored);
    return this.run(['-Y', 'verify', '-f', allowed, '-I', principal, '-n', namespace, '-s', sig], message);
  }

  /** `ssh-keygen -Y check-novalidate -n namespace -s sig < message` (signature only, no trust). */
  checkNovalidate(message: Buffer, armored: string, namespace = 'agent-evidence') {
    return this.run(['-Y', 'check-novalidate', '-n', namespace, '-s', this.file('nv.sig', armored)], message);
  }

  /** The `SHA256:…` field `ssh-keygen -l -f` prints for a .pub line. */
  fingerprint(pubLine: string): string {
    const r = this.run(['-l', '-f', this.file('key.pub', `${pubLine}\n`)]);
    if (r.status !== 0) throw new Error(`ssh-keygen -l failed: ${r.stderr}`);
    return r.stdout.split(' ')[1] ?? '';
  }
}

/**
 * Opens an unencrypted OpenSSH ed25519 private key file (PROTOCOL.key "openssh-key-v1") as a Node
 * KeyObject, so a test can sign with the very key ssh-keygen signed with.
 */
export function readOpenSshEd25519PrivateKey(keyFile: string): KeyObject {
  const pem = fs.readFileSync(keyFile, 'utf8');
  const b64 = pem.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const r = new SshReader(Buffer.from(b64, 'base64'));
  if (r.bytes(15).toString('latin1') !== 'openssh-key-v1\0') throw new Error('not openssh-key-v1');
  if (r.text() !== 'none' || r.text() !== 'none') throw new Error('encrypted key');
  r.string(); // kdf options
  if (r.uint32() !== 1) throw new Error('expected one key');
  r.string(); // public key blob
  const priv = new SshReader(r.string());
  if (priv.uint32() !== priv.uint32()) throw new Error('check ints differ');
  if (priv.text() !== 'ssh-ed25519') throw new Error('not ed25519');
  const pub = priv.string();
  const seedAndPub = priv.string(); // RFC 8032 seed (32) followed by the public key (32)
  return createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: seedAndPub.subarray(0, 32).toString('base64url'),
      x: pub.toString('base64url'),
    },
    format: 'jwk',
  });
}
