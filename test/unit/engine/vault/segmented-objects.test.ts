import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  plainBytesOf,
  SEALED_SEGMENT_BYTES,
  SEGMENT_BYTES,
  sealedBytesOf,
} from '../../../../electron/engine/vault/segmented-aead.ts';
import { createVault, openVault } from '../../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../../electron/engine/vault/vault.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { expectAevError } from './expect-aev-error.ts';

// Format 2 (docs/vault-objects.md): "AEVO" 2 16 salt(32), then 64 KiB segments, each ciphertext ‖ tag.
const HEADER_BYTES = 38;
const TAG = 16;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const segmentAt = (i: number): number => HEADER_BYTES + i * SEALED_SEGMENT_BYTES;

describe('segmented vault objects (format 2)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let vault: Vault;

  beforeEach(async () => {
    tmp = makeTempDir();
    vault = await createVault({
      vaultDir: path.join(tmp.dir, 'vault'),
      keyring: null,
      passphrase: 'segmented object test passphrase',
      scryptLogN: 14,
    });
  });
  afterEach(() => {
    vault.close();
    tmp.cleanup();
  });

  /** Stores `data` and returns its file's path and bytes. */
  async function stored(id: string, data: Buffer): Promise<{ file: string; bytes: Buffer }> {
    await vault.objects.put('video-fragment', id, data);
    const file = vault.objects.pathOf('video-fragment', id);
    return { file, bytes: fs.readFileSync(file) };
  }

  async function expectCorrupt(id: string): Promise<void> {
    await expectAevError(vault.objects.get('video-fragment', id), 'E_OBJECT_CORRUPT', id);
    await expectAevError(vault.objects.digest('video-fragment', id), 'E_OBJECT_CORRUPT', id);
  }

  it('round-trips every length around the segment size, with the SHA-256 computed while encrypting', async () => {
    const S = SEGMENT_BYTES;
    for (const length of [0, 1, S - 1, S, S + 1, 2 * S, 3 * S + 17]) {
      const data = randomBytes(length);
      const put = await vault.objects.put('video-fragment', `len_${length}`, data);
      const segments = Math.max(1, Math.ceil(length / S));
      expect(put).toEqual({ size: length, storedSize: HEADER_BYTES + length + segments * TAG, sha256: sha256(data) });
      expect(fs.statSync(vault.objects.pathOf('video-fragment', `len_${length}`)).size).toBe(put.storedSize);
      expect((await vault.objects.get('video-fragment', `len_${length}`)).equals(data)).toBe(true);
      expect(await vault.objects.digest('video-fragment', `len_${length}`)).toEqual({
        size: length,
        sha256: sha256(data),
      });
      const both = await vault.objects.getWithDigest('video-fragment', `len_${length}`);
      expect(both.bytes.equals(data)).toBe(true);
      expect(both.sha256).toBe(sha256(data));
    }
  });

  it('writes and reads an object of more segments than one gathered write takes (over 256)', async () => {
    const data = randomBytes(300 * SEGMENT_BYTES + 5);
    const put = await vault.objects.put('export', 'huge', data);
    expect(fs.statSync(vault.objects.pathOf('export', 'huge')).size).toBe(put.storedSize);
    expect(await vault.objects.digest('export', 'huge')).toEqual({ size: data.length, sha256: sha256(data) });
  });

  it('streams a large object in authenticated 64 KiB pieces', async () => {
    const data = randomBytes(5 * SEGMENT_BYTES + 100);
    await vault.objects.put('export', 'big', data);
    const sizes: number[] = [];
    const pieces: Buffer[] = [];
    for await (const piece of vault.objects.stream('export', 'big')) {
      sizes.push(piece.length);
      pieces.push(piece);
    }
    expect(sizes).toEqual([...Array<number>(5).fill(SEGMENT_BYTES), 100]);
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
  });

  it('says E_OBJECT_CORRUPT when a byte changes in any segment, its ciphertext or its tag, or in the header', async () => {
    const { file, bytes } = await stored('frag', randomBytes(3 * SEGMENT_BYTES + 500));
    const spots = [0, 4, 5, 6, 37]; // magic, version, segment size, salt
    for (let i = 0; i < 4; i++) {
      const end = Math.min(segmentAt(i + 1), bytes.length);
      spots.push(segmentAt(i), segmentAt(i) + 1000 > end - TAG ? segmentAt(i) + 1 : segmentAt(i) + 1000, end - 1);
    }
    for (const at of spots) {
      const changed = Buffer.from(bytes);
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      fs.writeFileSync(file, changed);
      await expectCorrupt('frag');
    }
    // Relabelled as format 1 (one GCM message under the objects subkey): no downgrade opens it.
    const downgraded = Buffer.from(bytes);
    downgraded[4] = 1;
    fs.writeFileSync(file, downgraded);
    await expectCorrupt('frag');
    fs.writeFileSync(file, bytes);
    expect((await vault.objects.digest('video-fragment', 'frag')).size).toBe(3 * SEGMENT_BYTES + 500);
  });

  it('detects truncation at a segment boundary, inside a segment, inside a tag, and an appended segment', async () => {
    const { file, bytes } = await stored('cut', randomBytes(3 * SEGMENT_BYTES));
    for (const length of [
      segmentAt(1),
      segmentAt(2),
      segmentAt(2) + 10,
      segmentAt(2) + TAG - 1,
      bytes.length - 1,
      HEADER_BYTES,
    ]) {
      fs.writeFileSync(file, bytes.subarray(0, length));
      await expectCorrupt('cut');
    }
    // A full segment copied onto the end: the last segment is no longer the one flagged final.
    fs.writeFileSync(file, Buffer.concat([bytes, bytes.subarray(segmentAt(0), segmentAt(1))]));
    await expectCorrupt('cut');
  });

  it('detects segments reordered or repeated within an object', async () => {
    const { file, bytes } = await stored('order', randomBytes(3 * SEGMENT_BYTES));
    const seg = (i: number): Buffer => bytes.subarray(segmentAt(i), segmentAt(i + 1));
    const header = bytes.subarray(0, HEADER_BYTES);
    for (const order of [
      [1, 0, 2],
      [0, 2, 1],
      [0, 0, 2],
      [2, 1, 0],
    ]) {
      fs.writeFileSync(file, Buffer.concat([header, ...order.map(seg)]));
      await expectCorrupt('order');
    }
  });

  it('detects a segment swapped in from another object, even at the same index and with its header', async () => {
    const a = await stored('obj_a', randomBytes(2 * SEGMENT_BYTES + 9));
    const b = await stored('obj_b', randomBytes(2 * SEGMENT_BYTES + 9));
    // The same position in both objects, so only the per-object key and identity tell them apart.
    const mixed = Buffer.concat([a.bytes.subarray(0, segmentAt(1)), b.bytes.subarray(segmentAt(1))]);
    fs.writeFileSync(a.file, mixed);
    await expectCorrupt('obj_a');
    // b's header and first segment onto a's path: a's id is in the key derivation and the AAD.
    fs.writeFileSync(a.file, Buffer.concat([b.bytes.subarray(0, segmentAt(1)), a.bytes.subarray(segmentAt(1))]));
    await expectCorrupt('obj_a');
    fs.writeFileSync(a.file, b.bytes);
    await expectCorrupt('obj_a');
  });

  it('derives a fresh key per write: the same id written twice never reuses a segment nonce under one key', async () => {
    const data = Buffer.alloc(2 * SEGMENT_BYTES, 7);
    const first = await stored('again', data);
    const second = await stored('again', data);
    expect(first.bytes.subarray(6, HEADER_BYTES).equals(second.bytes.subarray(6, HEADER_BYTES))).toBe(false);
    // Equal plaintext at equal positions: the ciphertexts differ because the keys do.
    expect(
      first.bytes
        .subarray(segmentAt(0), segmentAt(0) + 64)
        .equals(second.bytes.subarray(segmentAt(0), segmentAt(0) + 64)),
    ).toBe(false);
    expect((await vault.objects.get('video-fragment', 'again')).equals(data)).toBe(true);
  });

  it('stops a stream at the first bad segment, after yielding only authenticated ones', async () => {
    const data = randomBytes(4 * SEGMENT_BYTES);
    const { file, bytes } = await stored('midway', data);
    const changed = Buffer.from(bytes);
    changed[segmentAt(2) + 5] = (changed[segmentAt(2) + 5] ?? 0) ^ 0x80;
    fs.writeFileSync(file, changed);
    const got: Buffer[] = [];
    await expectAevError(
      (async () => {
        for await (const piece of vault.objects.stream('video-fragment', 'midway')) got.push(piece);
      })(),
      'E_OBJECT_CORRUPT',
      'midway',
    );
    expect(got.length).toBe(2);
    expect(Buffer.concat(got).equals(data.subarray(0, 2 * SEGMENT_BYTES))).toBe(true);
  });
});

describe('segment arithmetic', () => {
  it('maps every stored length back to its plaintext length, and refuses lengths no writer produces', () => {
    const S = SEGMENT_BYTES;
    for (const n of [0, 1, 100, S - 1, S, S + 1, 2 * S, 7 * S + 3]) expect(plainBytesOf(sealedBytesOf(n))).toBe(n);
    for (const bad of [
      0,
      TAG - 1,
      SEALED_SEGMENT_BYTES + 1,
      SEALED_SEGMENT_BYTES + TAG,
      SEALED_SEGMENT_BYTES + TAG - 1,
    ])
      expect(plainBytesOf(bad)).toBeNull();
  });
});

describe('format 1 objects (one GCM message, written before segmenting)', () => {
  // Written by the object store as of 7a90abe (before format 2), with passphrase below; the fragment is
  // 20,000 bytes of SHA-256("fixture 0"), SHA-256("fixture 1")...
  const FIXTURE = path.join(import.meta.dirname, 'format1-vault');
  const PASSPHRASE = 'format 1 fixture passphrase';
  let tmp: ReturnType<typeof makeTempDir>;
  let vault: Vault;

  function fixtureFragment(): Buffer {
    const blocks: Buffer[] = [];
    for (let i = 0; blocks.length * 32 < 20000; i++) blocks.push(createHash('sha256').update(`fixture ${i}`).digest());
    return Buffer.concat(blocks).subarray(0, 20000);
  }

  beforeEach(async () => {
    tmp = makeTempDir();
    fs.cpSync(FIXTURE, path.join(tmp.dir, 'vault'), { recursive: true });
    vault = await openVault({ vaultDir: path.join(tmp.dir, 'vault'), keyring: null, passphrase: PASSPHRASE });
  });
  afterEach(() => {
    vault.close();
    tmp.cleanup();
  });

  it('still reads, hashes and streams objects stored in format 1', async () => {
    const fragment = fixtureFragment();
    expect((await vault.objects.get('video-fragment', 'm_format1_fragment')).equals(fragment)).toBe(true);
    expect(await vault.objects.digest('video-fragment', 'm_format1_fragment')).toEqual({
      size: 20000,
      sha256: sha256(fragment),
    });
    expect((await vault.objects.get('terminal', 'm_format1_terminal')).toString()).toBe(
      '[0.5, "o", "written by format 1"]\n',
    );
    expect((await vault.objects.get('other', 'm_format1_empty')).length).toBe(0);
  });

  it('detects a changed byte in a format 1 object and a format 1 file relabelled as format 2', async () => {
    const file = vault.objects.pathOf('video-fragment', 'm_format1_fragment');
    const bytes = fs.readFileSync(file);
    const changed = Buffer.from(bytes);
    changed[1000] = (changed[1000] ?? 0) ^ 0x01;
    fs.writeFileSync(file, changed);
    await expectAevError(vault.objects.get('video-fragment', 'm_format1_fragment'), 'E_OBJECT_CORRUPT');
    const relabelled = Buffer.from(bytes);
    relabelled[4] = 2;
    fs.writeFileSync(file, relabelled);
    await expectAevError(vault.objects.get('video-fragment', 'm_format1_fragment'), 'E_OBJECT_CORRUPT');
  });

  it('writes format 2 when an object of the old vault is written again, and reads it back', async () => {
    const data = randomBytes(SEGMENT_BYTES + 3);
    await vault.objects.put('terminal', 'm_format1_terminal', data);
    const bytes = fs.readFileSync(vault.objects.pathOf('terminal', 'm_format1_terminal'));
    expect(bytes.subarray(0, 6).equals(Buffer.from([0x41, 0x45, 0x56, 0x4f, 2, 16]))).toBe(true);
    expect((await vault.objects.get('terminal', 'm_format1_terminal')).equals(data)).toBe(true);
  });
});
