import { spawnSync } from 'node:child_process';
import { ageDecrypt, parseIdentityFile } from '../../../../electron/engine/age/age-decrypt.ts';

/** The reference Go `age` and `age-keygen` (Debian package `age`), when installed. */
export const HAS_AGE_CLI = ['age', 'age-keygen'].every(
  (p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0,
);
if (!HAS_AGE_CLI) console.warn('skipping tests against the reference age CLI: install the Debian package `age`');

/** `bytes` delivered in pieces of `size` (odd sizes make chunk boundaries fall anywhere). */
export async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

/** Our decryption of a whole age file with the identities of an identity file's text. */
export async function decryptWithUs(file: Buffer, identityText: string, pieceSize = 7777): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of ageDecrypt(pieces(file, pieceSize), parseIdentityFile(identityText))) out.push(b);
  return Buffer.concat(out);
}
