import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allowedSignersLine,
  ed25519KeyFromBlob,
  ed25519PublicKeyRaw,
  fingerprintSha256,
  generateDeviceKey,
  loadDeviceKey,
  parseOpenSshPublicKey,
  publicKeyFromRaw,
  publicKeyOpenSsh,
  sshPublicKeyBlob,
} from '../../../../electron/engine/seal/device-key.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { SshKeygen } from './ssh-keygen-driver.ts';

const tmp = makeTempDir();
afterAll(() => {
  tmp.cleanup();
});
const keygen = new SshKeygen(tmp.dir);

describe('the Ed25519 device key', () => {
  it('is generated as PKCS#8 DER plus a 32-byte public key that belong together', () => {
    const generated = generateDeviceKey();
    expect(generated.publicKeyRaw).toHaveLength(32);
    const loaded = loadDeviceKey(generated.privateKeyPkcs8Der);
    expect(loaded.publicKeyRaw.equals(generated.publicKeyRaw)).toBe(true);
    expect(ed25519PublicKeyRaw(loaded.privateKey).equals(generated.publicKeyRaw)).toBe(true);
    const sig = sign(null, Buffer.from('m'), loaded.privateKey);
    expect(verify(null, Buffer.from('m'), publicKeyFromRaw(generated.publicKeyRaw), sig)).toBe(true);
  });

  it('is different on every generation', () => {
    expect(generateDeviceKey().publicKeyRaw.equals(generateDeviceKey().publicKeyRaw)).toBe(false);
  });

  it('refuses bytes that are not an Ed25519 PKCS#8 key as a corrupt object', () => {
    const der = generateDeviceKey().privateKeyPkcs8Der;
    expect(() => loadDeviceKey(Buffer.from('not a key'))).toThrow(
      expect.objectContaining({ code: 'E_OBJECT_CORRUPT' }),
    );
    expect(() => loadDeviceKey(der.subarray(0, der.length - 1))).toThrow(
      expect.objectContaining({ code: 'E_OBJECT_CORRUPT' }),
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    expect(() => loadDeviceKey(ec)).toThrow(expect.objectContaining({ code: 'E_OBJECT_CORRUPT' }));
  });
});

describe('the public key in OpenSSH form', () => {
  const { publicKeyRaw } = generateDeviceKey();

  it('gives the fingerprint ssh-keygen -l prints for our .pub line', () => {
    const fp = fingerprintSha256(publicKeyRaw);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keygen.fingerprint(publicKeyOpenSsh(publicKeyRaw, 'aev-device'))).toBe(fp);
  });

  it('matches what ssh-keygen writes for a key it generated: .pub line and fingerprint', () => {
    const { pubLine } = keygen.generate();
    const raw = parseOpenSshPublicKey(pubLine);
    expect(publicKeyOpenSsh(raw, 'oracle@test')).toBe(pubLine);
    expect(fingerprintSha256(raw)).toBe(keygen.fingerprint(pubLine));
  });

  it('round-trips through the RFC 8709 blob and the .pub line', () => {
    expect(ed25519KeyFromBlob(sshPublicKeyBlob(publicKeyRaw))?.equals(publicKeyRaw)).toBe(true);
    expect(parseOpenSshPublicKey(`${publicKeyOpenSsh(publicKeyRaw, 'c')}\n`).equals(publicKeyRaw)).toBe(true);
    expect(ed25519KeyFromBlob(Buffer.concat([sshPublicKeyBlob(publicKeyRaw), Buffer.of(0)]))).toBeNull();
  });

  it('leaves the comment off when it is empty and refuses one that would break the line', () => {
    expect(publicKeyOpenSsh(publicKeyRaw, '')).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+={0,2}$/);
    expect(() => publicKeyOpenSsh(publicKeyRaw, 'a\nssh-ed25519 AAAA')).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });

  it('refuses a raw key that is not 32 bytes', () => {
    expect(() => fingerprintSha256(Buffer.alloc(31))).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }));
    expect(() => publicKeyOpenSsh(Buffer.alloc(33), '')).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }));
    expect(() => publicKeyFromRaw(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }));
  });

  it.each([
    ['an empty line', ''],
    ['another key type', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x'],
    ['a type that disagrees with the blob', 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x'],
    ['base64 with junk', 'ssh-ed25519 AAAAC3Nza!!C1lZDI1NTE5AAAAI'],
    ['a truncated blob', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=='],
  ])('is not parsed from %s', (_what, line) => {
    expect(() => parseOpenSshPublicKey(line)).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }));
  });
});

describe('the allowed_signers line', () => {
  const { publicKeyRaw } = generateDeviceKey();

  it('names the principal and grants only the agent-evidence namespace', () => {
    expect(allowedSignersLine('aev-device', publicKeyRaw)).toBe(
      `aev-device namespaces="agent-evidence" ${publicKeyOpenSsh(publicKeyRaw, '')}`,
    );
  });

  it('is read by ssh-keygen -Y find-principals', () => {
    const { keyFile, pubLine } = keygen.generate();
    const raw = parseOpenSshPublicKey(pubLine);
    const allowed = keygen.file('allowed_signers', `${allowedSignersLine('aev-device', raw)}\n`);
    const sig = keygen.file('m.sig', keygen.sign(keyFile, Buffer.from('m')));
    const r = keygen.run(['-Y', 'find-principals', '-f', allowed, '-s', sig]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('aev-device');
  });

  it.each(['two words', 'a,b', 'say"hi"', ''])('refuses the principal %j', (principal) => {
    expect(() => allowedSignersLine(principal, publicKeyRaw)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
