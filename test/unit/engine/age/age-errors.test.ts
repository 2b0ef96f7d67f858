import { Encrypter } from 'age-encryption';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../../electron/common/errors.ts';
import { ageDecrypt, parseIdentityFile } from '../../../../electron/engine/age/age-decrypt.ts';
import { ageEncrypt, AgeEncryptor } from '../../../../electron/engine/age/age-encrypt.ts';
import { encodeHeader } from '../../../../electron/engine/age/age-header.ts';
import { generateIdentity, parseRecipient } from '../../../../electron/engine/age/age-keys.ts';
import { CHUNK_BYTES, PAYLOAD_NONCE_BYTES, payloadKey } from '../../../../electron/engine/age/age-stream.ts';
import { wrapFileKey } from '../../../../electron/engine/age/age-x25519.ts';
import { expectAevError } from '../vault/expect-aev-error.ts';
import { decryptWithUs, pieces } from './age-helpers.ts';

const key = generateIdentity();
const SEALED = CHUNK_BYTES + 16;

/** A file of three chunks (two full, one short) and where its payload starts. */
function threeChunks(): { plain: Buffer; file: Buffer; payloadAt: number } {
  const plain = randomBytes(2 * CHUNK_BYTES + 1000);
  const file = ageEncrypt(plain, [key.recipient]);
  return { plain, file, payloadAt: file.length - (2 * SEALED + 1016) };
}

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] ?? 0) ^ 0x01;
  return c;
}

/** What decryption yielded before it failed, and the failure's code. */
async function failure(file: Buffer, identity = key.identity): Promise<{ code: ErrorCode; yielded: number }> {
  let yielded = 0;
  const error = await (async () => {
    for await (const b of ageDecrypt(pieces(file, 10_000), parseIdentityFile(identity))) yielded += b.length;
  })().then(
    () => null,
    (e: unknown) => e,
  );
  const code = (error as { code?: ErrorCode } | null)?.code;
  if (code === undefined) throw new Error(`expected a coded failure, got ${String(error)}`);
  return { code, yielded };
}

describe('age decryption refuses damaged or foreign files with coded errors', () => {
  it('says E_AGE_NO_IDENTITY for a file made for someone else', async () => {
    const other = generateIdentity();
    const r = await failure(ageEncrypt(Buffer.from('x'), [other.recipient]));
    expect(r).toEqual({ code: 'E_AGE_NO_IDENTITY', yielded: 0 });
  });

  it('refuses a file cut at a chunk boundary (its last chunk was sealed as a middle one)', async () => {
    const { file, payloadAt } = threeChunks();
    const r = await failure(file.subarray(0, payloadAt + 2 * SEALED));
    expect(r.code).toBe('E_AGE_AUTH');
    // The first chunk was authentic and followed by more, so it was released; the cut one never is.
    expect(r.yielded).toBe(CHUNK_BYTES);
  });

  it('refuses a file cut inside a chunk, inside the header, before the nonce and before any chunk', async () => {
    const { file, payloadAt } = threeChunks();
    expect((await failure(file.subarray(0, payloadAt + SEALED + 500))).code).toBe('E_AGE_AUTH');
    expect((await failure(file.subarray(0, 40))).code).toBe('E_AGE_FORMAT');
    expect((await failure(file.subarray(0, payloadAt - PAYLOAD_NONCE_BYTES))).code).toBe('E_AGE_AUTH');
    expect((await failure(file.subarray(0, payloadAt))).code).toBe('E_AGE_AUTH');
  });

  it('names a flipped payload byte and releases nothing of the changed chunk', async () => {
    const { file, payloadAt } = threeChunks();
    const r = await failure(flip(file, payloadAt + SEALED + 12));
    expect(r).toEqual({ code: 'E_AGE_AUTH', yielded: CHUNK_BYTES });
    expect((await failure(flip(file, file.length - 1))).code).toBe('E_AGE_AUTH');
  });

  it('refuses a changed header MAC, a changed payload nonce and bytes after the end', async () => {
    const { file, payloadAt } = threeChunks();
    // The MAC's first base64 digit (6 whole bits) swapped for another valid digit: still canonical base64.
    const changed = Buffer.from(file);
    const macAt = payloadAt - PAYLOAD_NONCE_BYTES - 44;
    changed[macAt] = changed[macAt] === 0x41 ? 0x42 : 0x41;
    expect((await failure(changed)).code).toBe('E_AGE_AUTH');
    expect((await failure(flip(file, payloadAt - 1))).code).toBe('E_AGE_AUTH');
    expect((await failure(Buffer.concat([file, Buffer.from([0])]))).code).toBe('E_AGE_AUTH');
  });

  it('refuses what is not an age v1 file, and passphrase (scrypt) files', async () => {
    expect((await failure(Buffer.from('age-encryption.org/v2\n-> X25519 abc\n'))).code).toBe('E_AGE_FORMAT');
    expect((await failure(Buffer.from('ustar archive\n'))).code).toBe('E_AGE_FORMAT');
    const e = new Encrypter();
    e.setPassphrase('correct horse battery staple');
    e.setScryptWorkFactor(10);
    expect((await failure(Buffer.from(await e.encrypt('secret')))).code).toBe('E_AGE_FORMAT');
  });

  it('refuses a payload that ends in an empty chunk after full ones (age v1 forbids it)', async () => {
    const fileKey = randomBytes(16);
    const nonce = randomBytes(PAYLOAD_NONCE_BYTES);
    const k = payloadKey(fileKey, nonce);
    const seal = (plain: Buffer, counter: number, last: boolean): Buffer => {
      const n = Buffer.alloc(12);
      n.writeUIntBE(counter, 5, 6);
      n[11] = last ? 1 : 0;
      const c = createCipheriv('chacha20-poly1305', k, n, { authTagLength: 16 });
      return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    };
    const header = encodeHeader([wrapFileKey(fileKey, parseRecipient(key.recipient))], fileKey);
    const file = Buffer.concat([
      header,
      nonce,
      seal(randomBytes(CHUNK_BYTES), 0, false),
      seal(Buffer.alloc(0), 1, true),
    ]);
    expect((await failure(file)).code).toBe('E_AGE_FORMAT');
  });

  it('refuses malformed recipients and identity files with E_USAGE, before encrypting anything', async () => {
    const good = key.recipient;
    const badChecksum = `${good.slice(0, -1)}${good.endsWith('q') ? 'p' : 'q'}`;
    for (const r of ['age1nope', good.toUpperCase(), badChecksum, key.identity, `${good}q`])
      expect(() => new AgeEncryptor([r]), r).toThrow(expect.objectContaining({ code: 'E_USAGE' }) as Error);
    expect(() => parseIdentityFile('# nothing here\n')).toThrow(expect.objectContaining({ code: 'E_USAGE' }) as Error);
    const e = expect(() => parseIdentityFile(`${key.identity}\nAGE-SECRET-KEY-1NOPE\n`));
    e.toThrow(/line 2/);
    await expectAevError(decryptWithUs(ageEncrypt(Buffer.from('x'), [good]), key.identity.toLowerCase()), 'E_USAGE');
  });
});
