import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ageEncrypt } from '../../../../electron/engine/age/age-encrypt.ts';
import { formatRecipient, generateIdentity, parseIdentity } from '../../../../electron/engine/age/age-keys.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { decryptWithUs, HAS_AGE_CLI } from './age-helpers.ts';

// Sizes around the 64 KiB STREAM chunk (age-encryption.org/v1 "Payload"): empty, one byte, one short of a
// chunk, exactly one (a full last chunk), one over, exactly three, and an odd size of many chunks.
const SIZES = [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 1_000_003];

describe('age interoperability (our native age against the npm library)', () => {
  it('our files decrypt with the npm age-encryption library', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const d = new Decrypter();
      d.addIdentity(identity);
      expect(Buffer.from(await d.decrypt(ageEncrypt(plain, [recipient]))).equals(plain), `${size} bytes`).toBe(true);
    }
  });

  it('decrypts what the npm library encrypts, in pieces of any size', async () => {
    const identity = await generateX25519Identity();
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(identity));
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const file = Buffer.from(await e.encrypt(plain));
      for (const piece of [1, 333, 65_552, 1 << 20])
        expect((await decryptWithUs(file, identity, piece)).equals(plain), `${size} bytes, ${piece}`).toBe(true);
    }
  });

  it('derives the same recipient from an identity as the npm library', async () => {
    const identity = await generateX25519Identity();
    expect(formatRecipient(parseIdentity(identity).publicKey)).toBe(await identityToRecipient(identity));
  });
});

describe.skipIf(!HAS_AGE_CLI)('age interoperability (our native age against the reference Go age CLI)', () => {
  const tmp = makeTempDir('aev-age-');
  afterAll(() => {
    tmp.cleanup();
  });

  function keyFile(name: string): { file: string; identity: string; recipient: string } {
    const file = path.join(tmp.dir, `${name}.txt`);
    execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
    const identity = fs.readFileSync(file, 'utf8');
    return { file, identity, recipient: execFileSync('age-keygen', ['-y', file]).toString().trim() };
  }

  it('parses age-keygen identities to the recipients age-keygen -y prints', () => {
    const k = keyFile('keygen');
    const line = k.identity.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
    expect(formatRecipient(parseIdentity(line).publicKey)).toBe(k.recipient);
  });

  it('our files decrypt with `age -d -i key.txt`', () => {
    const k = keyFile('ours-to-go');
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const file = path.join(tmp.dir, `ours-${size}.age`);
      fs.writeFileSync(file, ageEncrypt(plain, [k.recipient]));
      const back = execFileSync('age', ['-d', '-i', k.file, file], { maxBuffer: 1 << 26 });
      expect(back.equals(plain), `${size} bytes`).toBe(true);
    }
  });

  it('decrypts what `age -r` encrypts (with its grease stanzas)', async () => {
    const k = keyFile('go-to-ours');
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const file = execFileSync('age', ['-r', k.recipient], { input: plain, maxBuffer: 1 << 26 });
      expect((await decryptWithUs(file, k.identity)).equals(plain), `${size} bytes`).toBe(true);
    }
  });

  it('encrypts to several recipients, each of whom can decrypt with either implementation', async () => {
    const keys = [keyFile('multi-a'), keyFile('multi-b'), keyFile('multi-c')];
    const plain = randomBytes(200_000);
    const ours = ageEncrypt(
      plain,
      keys.map((k) => k.recipient),
    );
    const file = path.join(tmp.dir, 'multi.age');
    fs.writeFileSync(file, ours);
    const theirs = execFileSync(
      'age',
      keys.flatMap((k) => ['-r', k.recipient]),
      { input: plain },
    );
    for (const k of keys) {
      expect(execFileSync('age', ['-d', '-i', k.file, file]).equals(plain)).toBe(true);
      expect((await decryptWithUs(ours, k.identity)).equals(plain)).toBe(true);
      expect((await decryptWithUs(theirs, k.identity)).equals(plain)).toBe(true);
    }
  });

  it('finds the matching identity among several in one identity file', async () => {
    const other = generateIdentity();
    const k = keyFile('second');
    const file = execFileSync('age', ['-r', k.recipient], { input: 'evidence' });
    const text = `# first, for someone else\n${other.identity}\n\n${k.identity}`;
    expect((await decryptWithUs(file, text)).toString()).toBe('evidence');
  });
});
