import fs from 'node:fs';
import { AevError } from '../../../common/errors.ts';
import { parseIdentityFile } from '../../age/age-decrypt.ts';
import { ageDecryptFile } from '../../age/age-decrypt-file.ts';
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

/**
 * The bundle's tar stream: decrypted on the fly when the file is age-encrypted (native ChaCha20-Poly1305
 * on a worker thread, each 64 KiB chunk authenticated before the reader sees it; nothing decrypted is
 * written anywhere), the file itself when it is a plain tar. `release` gives the decrypted slabs whose
 * bytes the reader no longer needs back to the worker (ByteReader).
 */
export function openBundleStream(
  file: string,
  identities: readonly AgeIdentity[],
): {
  readonly stream: AsyncIterable<Uint8Array>;
  readonly encrypted: boolean;
  readonly release?: (piece: Buffer) => void;
} {
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
  if (head.subarray(0, AGE_ARMOR.length).equals(AGE_ARMOR))
    throw new ArchiveError('BUNDLE_DECRYPT', 'ASCII-armored age files are not bundles; use the binary form');
  if (!head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC))
    return { stream: fs.createReadStream(file, { highWaterMark: PLAIN_READ_BYTES }), encrypted: false };
  if (identities.length === 0)
    throw new ArchiveError('BUNDLE_DECRYPT', 'the bundle is age-encrypted: pass --identity FILE (an age identity)');
  const decrypted = ageDecryptFile(file, identities);
  return {
    stream: guarded(decrypted),
    encrypted: true,
    release: (piece) => {
      decrypted.release(piece);
    },
  };
}

/** Read size of a plain tar: a few large reads (fresh buffers: kept content may be views of them). */
const PLAIN_READ_BYTES = 4 * 1024 * 1024;

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
