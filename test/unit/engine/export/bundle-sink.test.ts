import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../../../electron/engine/age/age-keys.ts';
import { openBundleSink } from '../../../../electron/engine/export/bundle-sink.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { decryptWithUs, HAS_AGE_CLI } from '../age/age-helpers.ts';
import { writeAll } from './sink-helpers.ts';
import { expectAevError } from '../vault/expect-aev-error.ts';

const tmp = makeTempDir('aev-sink-');
afterAll(() => {
  tmp.cleanup();
});

/** Pieces as the tar writer sends them: 512-byte headers, small files, padding, and large media. */
function archiveLikePieces(): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < 60; i++)
    pieces.push(randomBytes(512), randomBytes((i * 37_813) % 400_000), Buffer.alloc(i % 512));
  pieces.push(randomBytes(5 * 1024 * 1024 + 3));
  return pieces;
}

describe('the bundle sink', () => {
  it('writes every byte in order across its blocks, 0600, and only under the final name', async () => {
    const pieces = archiveLikePieces();
    const out = path.join(tmp.dir, 'plain.tar');
    await writeAll(out, [], pieces);
    expect(fs.readFileSync(out).equals(Buffer.concat(pieces))).toBe(true);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
  });

  it('encrypts to every recipient so that our age decrypts it', async () => {
    const keys = [generateIdentity(), generateIdentity()];
    const pieces = archiveLikePieces();
    const out = path.join(tmp.dir, 'two.age');
    await writeAll(
      out,
      keys.map((k) => k.recipient),
      pieces,
    );
    const file = fs.readFileSync(out);
    expect(file.includes(pieces[4]!.subarray(0, 64))).toBe(false);
    for (const k of keys)
      expect((await decryptWithUs(file, k.identity, 1 << 20)).equals(Buffer.concat(pieces))).toBe(true);
  });

  it.skipIf(!HAS_AGE_CLI)('writes what `age -d` decrypts', async () => {
    const key = generateIdentity();
    const keyFile = path.join(tmp.dir, 'key.txt');
    fs.writeFileSync(keyFile, `${key.identity}\n`);
    const pieces = archiveLikePieces();
    const out = path.join(tmp.dir, 'go.age');
    await writeAll(out, [key.recipient], pieces);
    const back = execFileSync('age', ['-d', '-i', keyFile, out], { maxBuffer: 1 << 27 });
    expect(back.equals(Buffer.concat(pieces))).toBe(true);
  });

  it('refuses a bad recipient or an existing file before creating anything', async () => {
    const out = path.join(tmp.dir, 'never.age');
    await expectAevError(openBundleSink(out, ['age1notarecipient']), 'E_USAGE', 'not an age X25519 recipient');
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
    fs.writeFileSync(out, 'taken');
    await expectAevError(openBundleSink(out, []), 'E_USAGE', 'already exists');
  });

  it('leaves nothing behind when aborted midway', async () => {
    const out = path.join(tmp.dir, 'aborted.age');
    const sink = await openBundleSink(out, [generateIdentity().recipient]);
    for (const p of archiveLikePieces()) await sink.write(p);
    await sink.abort();
    expect(fs.existsSync(out) || fs.existsSync(`${out}.partial`)).toBe(false);
  });
});
