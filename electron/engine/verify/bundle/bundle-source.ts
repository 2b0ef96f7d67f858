import { Decrypter } from 'age-encryption';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { ArchiveError } from './tar-reader.ts';

// age-encryption.org/v1 §"Header": an encrypted file starts with this version line.
const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');
const AGE_ARMOR = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----');

/** The X25519 identities (`AGE-SECRET-KEY-1…`) in an age identity file, as age-keygen writes it. */
export function readAgeIdentities(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ArchiveError('BUNDLE_DECRYPT', `cannot read the identity file ${file}`);
  }
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (keys.length === 0 || !keys.every((k) => /^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(k)))
    throw new ArchiveError('BUNDLE_DECRYPT', `${file} is not an age identity file (AGE-SECRET-KEY-1… lines)`);
  return keys;
}

/**
 * The bundle's tar stream: decrypted on the fly when the file is age-encrypted (nothing decrypted is
 * written anywhere), the file itself when it is a plain tar.
 */
export async function openBundleStream(
  file: string,
  identities: readonly string[],
): Promise<{ readonly stream: AsyncIterable<Uint8Array>; readonly encrypted: boolean }> {
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
  const raw = (): AsyncIterable<Uint8Array> => fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  if (head.subarray(0, AGE_ARMOR.length).equals(AGE_ARMOR))
    throw new ArchiveError('BUNDLE_DECRYPT', 'ASCII-armored age files are not bundles; use the binary form');
  if (!head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC)) return { stream: raw(), encrypted: false };
  if (identities.length === 0)
    throw new ArchiveError('BUNDLE_DECRYPT', 'the bundle is age-encrypted: pass --identity FILE (an age identity)');
  const d = new Decrypter();
  try {
    for (const id of identities) d.addIdentity(id);
    const source = Readable.toWeb(
      fs.createReadStream(file, { highWaterMark: 1024 * 1024 }),
    ) as ReadableStream<Uint8Array>;
    const plain = await d.decrypt(source);
    return { stream: guarded(plain), encrypted: true };
  } catch (error) {
    throw new ArchiveError('BUNDLE_DECRYPT', `cannot decrypt the bundle: ${describe(error)}`);
  }
}

/** age authenticates each 64 KiB chunk; a failure mid-stream is a decryption error, not a tar error. */
async function* guarded(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw new ArchiveError('BUNDLE_DECRYPT', `the encrypted bundle is damaged: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
