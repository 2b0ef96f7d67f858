import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../../electron/common/errors.ts';
import { ageDecrypt, parseIdentityFile } from '../../../../electron/engine/age/age-decrypt.ts';
import { ageDecryptFile, SLAB_BYTES } from '../../../../electron/engine/age/age-decrypt-file.ts';
import { ageEncrypt } from '../../../../electron/engine/age/age-encrypt.ts';
import { generateIdentity } from '../../../../electron/engine/age/age-keys.ts';
import { CHUNK_BYTES } from '../../../../electron/engine/age/age-stream.ts';
import { processCounts } from '../../../helpers/process-counts.ts';
import type { ProcessCounts } from '../../../helpers/process-counts.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { pieces } from './age-helpers.ts';

const tmp = makeTempDir('aev-age-file-');
afterAll(() => {
  tmp.cleanup();
});

const key = generateIdentity();
const identities = parseIdentityFile(key.identity);
const SEALED = CHUNK_BYTES + 16;
/** Three full slabs and a short one: slabs are refilled after release, and the last chunk is short. */
const plain = randomBytes(3 * SLAB_BYTES + 5 * CHUNK_BYTES + 777);
const sealed = ageEncrypt(plain, [key.recipient]);
let files = 0;

function write(bytes: Buffer): string {
  const file = path.join(tmp.dir, `f${String(files++)}.age`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Where the payload's chunks start in `sealed` (everything before is header and nonce). */
const payloadAt = sealed.length - (Math.ceil(plain.length / CHUNK_BYTES) * 16 + plain.length);

/**
 * Reads a file, giving every piece back once hashed (so the worker refills its slabs), or fails.
 * `handOverBy`: 0, the worker decrypts everything; n, this thread decrypts about n chunks first.
 */
async function decryptFile(
  file: string,
  handOverBy = 0,
): Promise<{ digest: string; bytes: number; detached: number } | { code: ErrorCode | null; message: string }> {
  const source = ageDecryptFile(file, identities, { handOverBy });
  const hash = createHash('sha256');
  let bytes = 0;
  let detached = 0;
  try {
    for await (const piece of source) {
      hash.update(piece);
      bytes += piece.length;
      source.release(piece);
      // A slab given back is detached at once: nothing can read it while the worker refills it.
      if (piece.length === 0) detached += 1;
    }
    return { digest: hash.digest('hex'), bytes, detached };
  } catch (error) {
    const e = error as { code?: ErrorCode; message: string };
    return { code: e.code ?? null, message: e.message };
  }
}

/** The same file through ageDecrypt (in-thread), for the expected error. */
async function decryptInThread(bytes: Buffer): Promise<{ code: ErrorCode | null; message: string } | null> {
  try {
    let n = 0;
    for await (const b of ageDecrypt(pieces(bytes, 100_000), identities)) n += b.length;
    expect(n).toBeGreaterThan(0);
    return null;
  } catch (error) {
    const e = error as { code?: ErrorCode; message: string };
    return { code: e.code ?? null, message: e.message };
  }
}

/** Waits for the worker's thread to be gone from /proc (its exit event precedes the OS thread's end). */
async function settled(before: ProcessCounts): Promise<ProcessCounts> {
  for (let i = 0; i < 50 && processCounts().threads > before.threads; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return processCounts();
}

describe('age decryption of a file on a worker thread', () => {
  it('yields exactly the plaintext while every slab is given back and refilled', async () => {
    await decryptFile(write(sealed)); // warm-up: thread pools and module caches that stay
    const before = processCounts();
    const r = await decryptFile(write(sealed));
    const digest = createHash('sha256').update(plain).digest('hex');
    expect(r).toEqual({ digest, bytes: plain.length, detached: Math.ceil(plain.length / SLAB_BYTES) });
    expect(await settled(before)).toEqual(before);
  });

  it('hands the payload over mid-slab after decrypting the first chunks in this thread', async () => {
    const digest = createHash('sha256').update(plain).digest('hex');
    // Chunks are read 16 at a time and one is held back until more follow: handed over at chunk 15 or 31.
    for (const handOverBy of [1, 20]) {
      const r = await decryptFile(write(sealed), handOverBy);
      expect(r).toMatchObject({ digest, bytes: plain.length });
      expect((r as { detached: number }).detached).toBeGreaterThan(0);
    }
    // By default a payload under 32 MiB is decrypted in this thread alone: no worker is started for it.
    const before = processCounts();
    const hash = createHash('sha256');
    for await (const piece of ageDecryptFile(write(sealed), identities)) {
      hash.update(piece);
      expect(processCounts().threads).toBe(before.threads);
    }
    expect(hash.digest('hex')).toBe(digest);
  });

  it('keeps the pieces that are not given back intact', async () => {
    const kept: Buffer[] = [];
    for await (const piece of ageDecryptFile(write(sealed), identities, { handOverBy: 5 })) kept.push(piece);
    expect(kept.length).toBeGreaterThan(3);
    expect(Buffer.concat(kept).equals(plain)).toBe(true);
  });

  it('fails a changed chunk, a file cut short and bytes after the end as ageDecrypt does, leaving no thread or descriptor', async () => {
    const cuts: Buffer[] = [
      Buffer.from(sealed).fill(0x55, payloadAt + 2 * SLAB_BYTES + 100, payloadAt + 2 * SLAB_BYTES + 101),
      sealed.subarray(0, payloadAt + 3 * SEALED), // at a chunk boundary: its last chunk was sealed as a middle one
      sealed.subarray(0, sealed.length - 500),
      Buffer.concat([sealed, Buffer.from('x')]),
    ];
    for (const bytes of cuts) {
      const before = processCounts();
      const expected = await decryptInThread(bytes);
      expect(expected?.code).toMatch(/^E_AGE_(AUTH|FORMAT)$/);
      for (const handOverBy of [0, 20]) expect(await decryptFile(write(bytes), handOverBy)).toEqual(expected);
      expect(await settled(before)).toEqual(before);
    }
  });

  it('refuses a file made for someone else before any thread starts', async () => {
    const before = processCounts();
    const foreign = ageEncrypt(plain.subarray(0, 1000), [generateIdentity().recipient]);
    const r = await decryptFile(write(foreign));
    expect(r).toEqual(await decryptInThread(foreign));
    expect(r).toMatchObject({ code: 'E_AGE_NO_IDENTITY' });
    expect(processCounts()).toEqual(before);
  });

  it('stops the thread and closes the file when the reader stops early', async () => {
    const before = processCounts();
    let seen = 0;
    for await (const piece of ageDecryptFile(write(sealed), identities, { handOverBy: 0 })) {
      seen += piece.length;
      break;
    }
    expect(seen).toBe(SLAB_BYTES);
    expect(await settled(before)).toEqual(before);
  });

  it('names a file it cannot open with the file system error', async () => {
    const r = await decryptFile(path.join(tmp.dir, 'missing.age'));
    expect(r).toMatchObject({ code: 'ENOENT' });
  });
});
