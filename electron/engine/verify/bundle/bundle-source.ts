import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { AevError } from '../../../common/errors.ts';
import { ageDecrypt, parseIdentityFile } from '../../age/age-decrypt.ts';
import type { AgeIdentity } from '../../age/age-keys.ts';
import { ArchiveError } from './tar-reader.ts';

// age-encryption.org/v1 §"Header": an encrypted file starts with this version line.
const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');
const AGE_ARMOR = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----');

/** The X25519 identities (`AGE-SECRET-KEY-1…`) in an age identity file, as age-keygen writes it. */
export function readAgeIdentities(file: string): AgeIdentity[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ArchiveError('BUNDLE_DECRYPT', `cannot read the identity file ${file}`);
  }
  try {
    return parseIdentityFile(text);
  } catch (error) {
    throw new ArchiveError('BUNDLE_DECRYPT', `${file} is not an age identity file: ${describe(error)}`);
  }
}

/** Read size: a few large reads, and age's 64 KiB chunks are opened in place, rarely copied across reads. */
const READ_BYTES = 4 * 1024 * 1024;

/**
 * The bundle's tar stream: decrypted on the fly when the file is age-encrypted (native ChaCha20-Poly1305,
 * each 64 KiB chunk authenticated before the reader sees it; nothing decrypted is written anywhere), the
 * file itself when it is a plain tar.
 */
export function openBundleStream(
  file: string,
  identities: readonly AgeIdentity[],
): { readonly stream: AsyncIterable<Uint8Array>; readonly encrypted: boolean } {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, fs.readSync(fd, head, 0, 64, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    throw new ArchiveError('ARCHIVE_HEADER', `cannot read ${file}`);
  }
  const raw = (): AsyncIterable<Uint8Array> => fs.createReadStream(file, { highWaterMark: READ_BYTES });
  if (head.subarray(0, AGE_ARMOR.length).equals(AGE_ARMOR))
    throw new ArchiveError('BUNDLE_DECRYPT', 'ASCII-armored age files are not bundles; use the binary form');
  if (!head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC)) return { stream: raw(), encrypted: false };
  if (identities.length === 0)
    throw new ArchiveError('BUNDLE_DECRYPT', 'the bundle is age-encrypted: pass --identity FILE (an age identity)');
  return { stream: guarded(ageDecrypt(reusedReads(file), identities)), encrypted: true };
}

/**
 * The file in READ_BYTES pieces read into two buffers used in turn: the next piece is read while the
 * caller decrypts this one. Each piece is valid only until the next one is asked for, which suits age's
 * decryptor (it copies what it holds back and opens every chunk before asking for more) and spares a
 * fresh 4 MiB buffer, and the page faults of filling it, per read.
 */
async function* reusedReads(file: string): AsyncGenerator<Buffer> {
  const handle = await fsp.open(file, 'r');
  try {
    let [current, spare] = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
    let reading = handle.read(current, 0, READ_BYTES, null);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) return;
      reading = handle.read(spare, 0, READ_BYTES, null);
      // Observed on the next turn; a failure must not count as unhandled if the caller stops first.
      reading.catch(() => undefined);
      yield current.subarray(0, bytesRead);
      [current, spare] = [spare, current];
    }
  } finally {
    await handle.close();
  }
}

/** Any age failure (wrong identity, changed or cut-short ciphertext) is a decryption error, not a tar error. */
async function* guarded(stream: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
  try {
    yield* stream;
  } catch (error) {
    const what =
      error instanceof AevError && error.code === 'E_AGE_NO_IDENTITY'
        ? 'cannot decrypt the bundle'
        : 'the encrypted bundle is damaged';
    throw new ArchiveError('BUNDLE_DECRYPT', `${what}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof AevError) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}
