import { createHash } from 'node:crypto';
import { fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { AevError } from '../../common/errors.ts';
import { freeBuffer } from '../runtime/free-buffer.ts';
import { randomBytesFast } from '../runtime/random-pool.ts';
import { openBytes } from './aead.ts';
import {
  OBJECT_SALT_BYTES,
  plainBytesOf,
  SEALED_SEGMENT_BYTES,
  SEGMENT_BYTES,
  SEGMENT_LOG2,
  SegmentCipher,
  sealedBytesOf,
  segmentCount,
} from './segmented-aead.ts';

/*
 * The bytes of a vault object file (docs/vault-objects.md). Every file starts with "AEVO" and a format
 * version; both versions bind the vault id, kind and object id, so a file copied or swapped onto another
 * object's path fails to open.
 *   1: one AES-256-GCM message under the objects subkey: iv(12) ‖ ciphertext ‖ tag(16). Read, never written.
 *   2: segmented (segmented-aead.ts): log2(segment size) (1) ‖ salt (32) ‖ segments, each ciphertext ‖ tag.
 */

const MAGIC = Buffer.from('AEVO', 'ascii');
const V1 = 1;
const V2 = 2;
const V1_HEADER = Buffer.concat([MAGIC, Buffer.from([V1])]);
const V1_MIN_BYTES = V1_HEADER.length + 12 + 16;
const V2_HEADER_BYTES = MAGIC.length + 2 + OBJECT_SALT_BYTES;
// Segments read per file read: ~1 MiB, one thread-pool round trip for a typical screen fragment.
const READ_SEGMENTS = 16;
const READ_BYTES = V2_HEADER_BYTES + READ_SEGMENTS * SEALED_SEGMENT_BYTES;

// Read buffers are kept for the next object: a fresh 1 MiB buffer per object was half of what
// verification allocated, and that volume is what sets off V8's full collections here. They only ever
// hold ciphertext (plaintext segments are separate buffers), so reusing one leaks nothing between objects.
const spareReadBuffers: Buffer[] = [];
const MAX_SPARE_READ_BUFFERS = 2;

function readBuffer(fileBytes: number): Buffer {
  if (fileBytes < READ_BYTES / 4) return Buffer.allocUnsafe(fileBytes);
  return spareReadBuffers.pop() ?? Buffer.allocUnsafe(READ_BYTES);
}

function releaseReadBuffer(buffer: Buffer): void {
  if (buffer.length === READ_BYTES && spareReadBuffers.length < MAX_SPARE_READ_BUFFERS) spareReadBuffers.push(buffer);
}

export interface ObjectIdentity {
  readonly vaultId: string;
  readonly kind: string;
  readonly id: string;
}

export interface SealedObject {
  /** The file's bytes in order, for one gathered write. */
  readonly pieces: readonly Buffer[];
  readonly storedSize: number;
  /** Hex SHA-256 of the plaintext, computed segment by segment while it was encrypted. */
  readonly sha256: string;
}

function v1Aad(o: ObjectIdentity): Buffer {
  return Buffer.concat([
    V1_HEADER,
    Buffer.from(`agent-evidence/v1/object\u0000${o.vaultId}\u0000${o.kind}\u0000${o.id}`, 'utf8'),
  ]);
}

function v2Cipher(objectsKey: Buffer, header: Buffer, o: ObjectIdentity): SegmentCipher {
  const identity = Buffer.from(`agent-evidence/v2/object\u0000${o.vaultId}\u0000${o.kind}\u0000${o.id}`, 'utf8');
  const salt = header.subarray(MAGIC.length + 2, V2_HEADER_BYTES);
  return new SegmentCipher(objectsKey, salt, identity, Buffer.concat([header, identity]));
}

/** Encrypts `data` as a format-2 object, hashing each segment just before it is encrypted. */
export function sealObject(objectsKey: Buffer, o: ObjectIdentity, data: Buffer): SealedObject {
  const header = Buffer.concat([MAGIC, Buffer.from([V2, SEGMENT_LOG2]), randomBytesFast(OBJECT_SALT_BYTES)]);
  const cipher = v2Cipher(objectsKey, header, o);
  const hash = createHash('sha256');
  const count = segmentCount(data.length);
  const pieces: Buffer[] = [header];
  for (let i = 0; i < count; i++) {
    const plain = data.subarray(i * SEGMENT_BYTES, (i + 1) * SEGMENT_BYTES);
    hash.update(plain);
    pieces.push(...cipher.seal(i, i === count - 1, plain));
  }
  return { pieces, storedSize: V2_HEADER_BYTES + sealedBytesOf(data.length), sha256: hash.digest('hex') };
}

const corrupt = (why: string): AevError => new AevError('E_OBJECT_CORRUPT', why);

/** Reads `length` bytes at `position` into `buffer` (from 0); a short read means the file changed under us. */
async function readExactly(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<Buffer> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw corrupt('the object file ended early');
    done += bytesRead;
  }
  return buffer.subarray(0, length);
}

/**
 * The plaintext of an object file, in pieces (one per segment for format 2, one in all for format 1),
 * each yielded only once it has been authenticated. A reader that stops early has checked only what
 * it read; truncation shows up at the end (the last segment's flag), as in STREAM: treat an error at any
 * point as the whole object failing.
 */
export async function* openObject(handle: FileHandle, objectsKey: Buffer, o: ObjectIdentity): AsyncGenerator<Buffer> {
  const size = (await handle.stat()).size;
  if (size < V1_MIN_BYTES) throw corrupt('the object file is too short for a vault header');
  const buffer = readBuffer(size);
  try {
    yield* openFrom(handle, buffer, size, objectsKey, o);
  } finally {
    releaseReadBuffer(buffer);
  }
}

async function* openFrom(
  handle: FileHandle,
  buffer: Buffer,
  size: number,
  objectsKey: Buffer,
  o: ObjectIdentity,
): AsyncGenerator<Buffer> {
  let block = await readExactly(handle, buffer, Math.min(size, buffer.length), 0);
  const layout = layoutOf(block, size, objectsKey, o);
  if (layout === 'v1') {
    if (block.length < size) {
      const whole = Buffer.allocUnsafe(size);
      block.copy(whole);
      await readExactly(handle, whole.subarray(block.length), size - block.length, block.length);
      block = whole;
    }
    yield openV1(block, objectsKey, o);
    return;
  }
  // `block` holds the file's bytes from `blockAt`; segments are opened in place, then the next ~1 MiB
  // is read into the same buffer (each opened segment is a fresh buffer, so none refers to it).
  let blockAt = 0;
  for (let i = 0; i < layout.count; i++) {
    const { at, length } = segmentSpan(i, size);
    if (at + length > blockAt + block.length) {
      block = await readExactly(handle, buffer, Math.min(size - at, buffer.length), at);
      blockAt = at;
    }
    yield layout.cipher.open(i, i === layout.count - 1, block.subarray(at - blockAt, at - blockAt + length));
  }
}

/**
 * Opens the object file open as `fd` in one pass like `openObject`, with blocking reads, handing each
 * authenticated piece of plaintext to `each` and returning the plaintext's length: for worker threads
 * (object-worker.ts, the exporter's reader), where a direct read is cheaper than a trip to libuv's thread
 * pool. `buffer` is the caller's reusable read buffer. Each piece is freed as soon as `each` returns
 * (free-buffer.ts says why), so `each` must copy whatever it keeps.
 */
export function openObjectSync(
  fd: number,
  buffer: Buffer,
  objectsKey: Buffer,
  o: ObjectIdentity,
  each: (plain: Buffer) => void,
): number {
  const size = fstatSync(fd).size;
  if (size < V1_MIN_BYTES) throw corrupt('the object file is too short for a vault header');
  const read = (into: Buffer, length: number, position: number): Buffer => {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, into, done, length - done, position + done);
      if (n === 0) throw corrupt('the object file ended early');
      done += n;
    }
    return into.subarray(0, length);
  };
  let block = read(buffer, Math.min(size, buffer.length), 0);
  const layout = layoutOf(block, size, objectsKey, o);
  if (layout === 'v1') {
    const whole = size <= buffer.length ? block : read(Buffer.allocUnsafe(size), size, 0);
    const plain = openV1(whole, objectsKey, o);
    each(plain);
    return plain.length;
  }
  let plainBytes = 0;
  let blockAt = 0;
  for (let i = 0; i < layout.count; i++) {
    const { at, length } = segmentSpan(i, size);
    if (at + length > blockAt + block.length) {
      block = read(buffer, Math.min(size - at, buffer.length), at);
      blockAt = at;
    }
    const plain = layout.cipher.open(i, i === layout.count - 1, block.subarray(at - blockAt, at - blockAt + length));
    each(plain);
    plainBytes += plain.length;
    freeBuffer(plain);
  }
  return plainBytes;
}

/** The plaintext's length and hex SHA-256 of the object file open as `fd` (see `openObjectSync`). */
export function digestObjectSync(
  fd: number,
  buffer: Buffer,
  objectsKey: Buffer,
  o: ObjectIdentity,
): { readonly size: number; readonly sha256: string } {
  const hash = createHash('sha256');
  const size = openObjectSync(fd, buffer, objectsKey, o, (plain) => hash.update(plain));
  return { size, sha256: hash.digest('hex') };
}

/** Bytes a worker's reusable read buffer should have (see `digestObjectSync`). */
export const OBJECT_READ_BYTES = READ_BYTES;

/** What the file's first bytes say: format 1 (one message), or format 2's cipher and segment count. */
function layoutOf(
  head: Buffer,
  size: number,
  objectsKey: Buffer,
  o: ObjectIdentity,
): 'v1' | { readonly cipher: SegmentCipher; readonly count: number } {
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('the file has no vault header');
  const version = head[MAGIC.length];
  if (version === V1) return 'v1';
  if (version !== V2 || head[MAGIC.length + 1] !== SEGMENT_LOG2 || size < V2_HEADER_BYTES)
    throw corrupt(`unknown object format ${String(version)}`);
  const plain = plainBytesOf(size - V2_HEADER_BYTES);
  if (plain === null) throw corrupt('the object file was cut short or extended');
  return {
    cipher: v2Cipher(objectsKey, Buffer.from(head.subarray(0, V2_HEADER_BYTES)), o),
    count: segmentCount(plain),
  };
}

function openV1(whole: Buffer, objectsKey: Buffer, o: ObjectIdentity): Buffer {
  return openBytes(objectsKey, whole.subarray(V1_HEADER.length), v1Aad(o));
}

function segmentSpan(i: number, size: number): { readonly at: number; readonly length: number } {
  const at = V2_HEADER_BYTES + i * SEALED_SEGMENT_BYTES;
  return { at, length: Math.min(SEALED_SEGMENT_BYTES, size - at) };
}
