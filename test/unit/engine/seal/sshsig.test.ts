import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allowedSignersLine,
  fingerprintSha256,
  generateDeviceKey,
  loadDeviceKey,
  parseOpenSshPublicKey,
} from '../../../../electron/engine/seal/device-key.ts';
import { sshString, sshUint32 } from '../../../../electron/engine/seal/ssh-wire.ts';
import { signSshsig, verifySshsig } from '../../../../electron/engine/seal/sshsig.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { SshKeygen, readOpenSshEd25519PrivateKey } from './ssh-keygen-driver.ts';

const tmp = makeTempDir();
afterAll(() => {
  tmp.cleanup();
});
const keygen = new SshKeygen(tmp.dir);
const PRINCIPAL = 'aev-device';

const device = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
const other = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
const trusted = allowedSignersLine(PRINCIPAL, device.publicKeyRaw);
const message = Buffer.from('{"events":{"count":2},"kind":"window","seq":4,"v":1}');

/** The decoded SSHSIG blob of an armored signature, and a way to armor an edited one again. */
function unarmor(armored: string): Buffer {
  return Buffer.from(armored.split('\n').slice(1, -2).join(''), 'base64');
}
function armor(blob: Buffer): string {
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}
/** An SSHSIG blob assembled field by field (PROTOCOL.sshsig), to forge the cases a signer never emits. */
function blobOf(fields: { key: Buffer; namespace: string; hashAlg: string; sigType: string; sig: Buffer }): Buffer {
  return Buffer.concat([
    Buffer.from('SSHSIG'),
    sshUint32(1),
    sshString(fields.key),
    sshString(fields.namespace),
    sshString(''),
    sshString(fields.hashAlg),
    sshString(Buffer.concat([sshString(fields.sigType), sshString(fields.sig)])),
  ]);
}

describe('SSHSIG signatures we make', () => {
  it.each(['sha512', 'sha256'] as const)('pass ssh-keygen -Y verify with %s and name our fingerprint', (hashAlg) => {
    const sig = signSshsig(message, device.privateKey, 'agent-evidence', hashAlg);
    const r = keygen.verify(message, sig, trusted, PRINCIPAL);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Good "agent-evidence" signature for ${PRINCIPAL} with ED25519 key`);
    expect(r.stdout).toContain(fingerprintSha256(device.publicKeyRaw));
    expect(verifySshsig(message, sig, device.publicKeyRaw)).toEqual({ valid: true });
  });

  it('pass ssh-keygen -Y check-novalidate', () => {
    const r = keygen.checkNovalidate(message, signSshsig(message, device.privateKey));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Good "agent-evidence" signature');
  });

  it('are armored like ssh-keygen: header, base64 wrapped at 70 columns, footer, newline', () => {
    const sig = signSshsig(Buffer.alloc(0), device.privateKey);
    const lines = sig.split('\n');
    expect(lines[0]).toBe('-----BEGIN SSH SIGNATURE-----');
    expect(lines.at(-2)).toBe('-----END SSH SIGNATURE-----');
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -2);
    expect(body.slice(0, -1).every((l) => l.length === 70)).toBe(true);
    expect(body.at(-1)?.length).toBeLessThanOrEqual(70);
  });

  it('equal ssh-keygen -Y sign byte for byte when made with the same key (Ed25519 is deterministic)', () => {
    const { keyFile } = keygen.generate();
    const key = readOpenSshEd25519PrivateKey(keyFile);
    for (const hashAlg of ['sha512', 'sha256'] as const) {
      expect(signSshsig(message, key, 'agent-evidence', hashAlg)).toBe(
        keygen.sign(keyFile, message, 'agent-evidence', hashAlg),
      );
    }
  });

  it('refuse a non-Ed25519 or public key, an empty namespace and an unknown hash', () => {
    expect(() => signSshsig(message, device.privateKey, '')).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    // @ts-expect-error: a JS caller could pass anything
    expect(() => signSshsig(message, device.privateKey, 'agent-evidence', 'sha1')).toThrow(
      expect.objectContaining({ code: 'E_INTERNAL' }),
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => signSshsig(message, ec)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => signSshsig(message, createPublicKey(device.privateKey))).toThrow(
      expect.objectContaining({ code: 'E_INTERNAL' }),
    );
  });
});

describe('SSHSIG signatures ssh-keygen makes', () => {
  const { keyFile, pubLine } = keygen.generate();
  const raw = parseOpenSshPublicKey(pubLine);

  it.each(['sha512', 'sha256'])('verify with ours (%s)', (hashAlg) => {
    expect(verifySshsig(message, keygen.sign(keyFile, message, 'agent-evidence', hashAlg), raw)).toEqual({
      valid: true,
    });
  });

  it('fail with ours for another message, namespace or key, with the matching code', () => {
    const sig = keygen.sign(keyFile, message);
    expect(verifySshsig(Buffer.from('changed'), sig, raw)).toMatchObject({ valid: false, code: 'SIG_BAD' });
    expect(verifySshsig(message, sig, raw, 'git')).toMatchObject({ valid: false, code: 'SIG_NAMESPACE' });
    expect(verifySshsig(message, sig, device.publicKeyRaw)).toMatchObject({ valid: false, code: 'SIG_KEY_MISMATCH' });
    expect(verifySshsig(message, keygen.sign(keyFile, message, 'git'), raw)).toMatchObject({ code: 'SIG_NAMESPACE' });
  });

  it('from a non-Ed25519 key are unsupported, not a crash', () => {
    const ecdsa = keygen.generate('ecdsa');
    const sig = keygen.sign(ecdsa.keyFile, message);
    expect(verifySshsig(message, sig, raw)).toMatchObject({ valid: false, code: 'SIG_UNSUPPORTED' });
  });
});

describe('a tampered or foreign signature', () => {
  const good = signSshsig(message, device.privateKey);
  const blob = unarmor(good);
  // The Ed25519 signature is the blob's last 64 bytes; flip one bit inside it.
  const alteredSig = Buffer.from(blob);
  alteredSig[blob.length - 10] = (alteredSig[blob.length - 10] ?? 0) ^ 0x01;
  const cases = [
    {
      what: 'an altered message',
      message: Buffer.concat([message, Buffer.from(' ')]),
      sig: good,
      signers: trusted,
      code: 'SIG_BAD',
    },
    { what: 'an altered signature', message, sig: armor(alteredSig), signers: trusted, code: 'SIG_BAD' },
    {
      what: 'another namespace',
      message,
      sig: signSshsig(message, device.privateKey, 'file'),
      signers: trusted,
      code: 'SIG_NAMESPACE',
    },
    {
      what: "another device's key",
      message,
      sig: signSshsig(message, other.privateKey),
      signers: trusted,
      code: 'SIG_KEY_MISMATCH',
    },
  ] as const;

  it.each(cases)('fails in ours and in ssh-keygen: $what', (c) => {
    expect(verifySshsig(c.message, c.sig, device.publicKeyRaw)).toMatchObject({ valid: false, code: c.code });
    expect(keygen.verify(c.message, c.sig, c.signers, PRINCIPAL).status).not.toBe(0);
  });

  it('fails in ssh-keygen when checked in a namespace the allowed_signers line does not grant', () => {
    const gitSig = signSshsig(message, device.privateKey, 'git');
    expect(verifySshsig(message, gitSig, device.publicKeyRaw, 'git')).toEqual({ valid: true });
    expect(keygen.verify(message, gitSig, trusted, PRINCIPAL, 'git').status).not.toBe(0);
  });

  it('with an unknown hash algorithm is unsupported, in ours and in ssh-keygen', () => {
    const forged = armor(
      blobOf({
        key: Buffer.concat([sshString('ssh-ed25519'), sshString(device.publicKeyRaw)]),
        namespace: 'agent-evidence',
        hashAlg: 'sha1',
        sigType: 'ssh-ed25519',
        sig: Buffer.alloc(64),
      }),
    );
    expect(verifySshsig(message, forged, device.publicKeyRaw)).toMatchObject({ code: 'SIG_UNSUPPORTED' });
    expect(keygen.verify(message, forged, trusted, PRINCIPAL).status).not.toBe(0);
  });

  it('with a wrong-length Ed25519 signature or key is malformed', () => {
    const key = Buffer.concat([sshString('ssh-ed25519'), sshString(device.publicKeyRaw)]);
    const fields = {
      key,
      namespace: 'agent-evidence',
      hashAlg: 'sha512',
      sigType: 'ssh-ed25519',
      sig: Buffer.alloc(63),
    };
    expect(verifySshsig(message, armor(blobOf(fields)), device.publicKeyRaw)).toMatchObject({ code: 'SIG_MALFORMED' });
    const shortKey = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31))]);
    const withShortKey = armor(blobOf({ ...fields, key: shortKey, sig: Buffer.alloc(64) }));
    expect(verifySshsig(message, withShortKey, device.publicKeyRaw)).toMatchObject({ code: 'SIG_MALFORMED' });
  });

  it('is invalid, and never throws, whichever single byte of the blob is changed or wherever it is cut', () => {
    for (let i = 0; i < blob.length; i++) {
      const flipped = Buffer.from(blob);
      flipped[i] = (flipped[i] ?? 0) ^ 0x5a;
      expect(verifySshsig(message, armor(flipped), device.publicKeyRaw).valid, `byte ${i}`).toBe(false);
      expect(verifySshsig(message, armor(blob.subarray(0, i)), device.publicKeyRaw).valid, `cut at ${i}`).toBe(false);
    }
    expect(verifySshsig(message, armor(Buffer.concat([blob, Buffer.of(0)])), device.publicKeyRaw)).toMatchObject({
      code: 'SIG_MALFORMED',
    });
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'not a signature'],
    ['a header alone', '-----BEGIN SSH SIGNATURE-----\n'],
    ['an empty body', '-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n'],
    ['non-base64 bytes', '-----BEGIN SSH SIGNATURE-----\nU1NI!!U0lH\n-----END SSH SIGNATURE-----\n'],
    ['another armor', '-----BEGIN PGP SIGNATURE-----\nU1NIU0lH\n-----END PGP SIGNATURE-----\n'],
    ['a number', 42],
    ['null', null],
  ])('is malformed when it is %s', (_what, input) => {
    expect(verifySshsig(message, input as string, device.publicKeyRaw)).toMatchObject({
      valid: false,
      code: 'SIG_MALFORMED',
    });
  });

  it('is never accepted by ours in an armor ssh-keygen refuses', () => {
    const body = good.split('\n').slice(1, -2);
    const variants = [
      good,
      `-----BEGIN SSH SIGNATURE-----\n${body.join('')}\n-----END SSH SIGNATURE-----\n`,
      `-----BEGIN SSH SIGNATURE-----\r\n${body.join('\r\n')}\r\n-----END SSH SIGNATURE-----\r\n`,
      ` ${good}`,
      `note\n${good}`,
      good.replace('-----END SSH SIGNATURE-----', '-----END SSH SIGNATURE'),
      good.replace(/\n-----END/, '-----END'),
      `${good}trailing text\n`,
    ];
    for (const v of variants) {
      const ours = verifySshsig(message, v, device.publicKeyRaw).valid;
      const theirs = keygen.verify(message, v, trusted, PRINCIPAL).status === 0;
      if (ours) expect(theirs, JSON.stringify(v.slice(0, 40))).toBe(true);
    }
    expect(verifySshsig(message, variants[1] ?? '', device.publicKeyRaw).valid).toBe(true);
  });
});
