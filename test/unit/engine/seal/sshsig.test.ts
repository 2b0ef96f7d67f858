import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allowedSignersLine,
  fingerprintSha256,
  generateDeviceKey,
  loadDeviceKey,
  publicKeyOpenSsh,
} from '../../../../electron/engine/seal/device-key.ts';
import { signSshsig, verifySshsig } from '../../../../electron/engine/seal/sshsig.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const tmp = makeTempDir();
afterAll(() => {
  tmp.cleanup();
});

function keygenVerify(
  message: Buffer,
  signature: string,
  signers: string,
  namespace = 'agent-evidence',
): number | null {
  const sig = path.join(tmp.dir, `s${String(Math.random()).slice(2)}.sig`);
  fs.writeFileSync(sig, signature);
  const allowed = path.join(tmp.dir, 'allowed');
  fs.writeFileSync(allowed, `${signers}\n`);
  return spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'aev-device', '-n', namespace, '-s', sig], {
    input: message,
  }).status;
}

describe('SSHSIG device signatures', () => {
  const key = generateDeviceKey();
  const { privateKey, publicKeyRaw } = loadDeviceKey(key.privateKeyPkcs8Der);
  const message = Buffer.from('{"v":1,"kind":"window"}');

  it('are accepted by ssh-keygen -Y verify, and by check-novalidate', () => {
    const sig = signSshsig(message, privateKey);
    expect(keygenVerify(message, sig, allowedSignersLine('aev-device', publicKeyRaw))).toBe(0);
    const file = path.join(tmp.dir, 'nv.sig');
    fs.writeFileSync(file, sig);
    expect(
      spawnSync('ssh-keygen', ['-Y', 'check-novalidate', '-n', 'agent-evidence', '-s', file], { input: message })
        .status,
    ).toBe(0);
  });

  it('fail in ssh-keygen and in ours for another message, namespace or key', () => {
    const sig = signSshsig(message, privateKey);
    const other = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
    expect(keygenVerify(Buffer.from('changed'), sig, allowedSignersLine('aev-device', publicKeyRaw))).not.toBe(0);
    expect(keygenVerify(message, sig, allowedSignersLine('aev-device', publicKeyRaw, 'other'), 'other')).not.toBe(0);
    expect(keygenVerify(message, sig, allowedSignersLine('aev-device', other.publicKeyRaw))).not.toBe(0);
    expect(verifySshsig(Buffer.from('changed'), sig, publicKeyRaw)).toMatchObject({ valid: false, code: 'SIG_BAD' });
    expect(verifySshsig(message, sig, publicKeyRaw, 'other')).toMatchObject({ valid: false, code: 'SIG_NAMESPACE' });
    expect(verifySshsig(message, sig, other.publicKeyRaw)).toMatchObject({ valid: false, code: 'SIG_KEY_MISMATCH' });
    expect(verifySshsig(message, 'garbage', publicKeyRaw)).toMatchObject({ valid: false, code: 'SIG_MALFORMED' });
    const body = sig.split('\n').slice(1, -2).join('');
    const bytes = Buffer.from(body, 'base64');
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff; // inside the Ed25519 signature
    const flipped = `-----BEGIN SSH SIGNATURE-----\n${bytes.toString('base64')}\n-----END SSH SIGNATURE-----\n`;
    expect(verifySshsig(message, flipped, publicKeyRaw)).toMatchObject({ valid: false, code: 'SIG_BAD' });
  });

  it('verifies signatures made by ssh-keygen -Y sign, and matches its fingerprint', () => {
    const keyFile = path.join(tmp.dir, 'id_ed25519');
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyFile]).status).toBe(0);
    const msgFile = path.join(tmp.dir, 'msg');
    fs.writeFileSync(msgFile, message);
    expect(spawnSync('ssh-keygen', ['-Y', 'sign', '-f', keyFile, '-n', 'agent-evidence', msgFile]).status).toBe(0);
    const pubLine = fs.readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ');
    const blob = Buffer.from(pubLine[1]!, 'base64');
    const raw = blob.subarray(blob.length - 32);
    expect(publicKeyOpenSsh(raw, 'test')).toBe(pubLine.join(' '));
    expect(verifySshsig(message, fs.readFileSync(`${msgFile}.sig`, 'utf8'), raw)).toEqual({ valid: true });
    const printed = spawnSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`]).stdout.toString();
    expect(printed).toContain(fingerprintSha256(raw));
  });
});
