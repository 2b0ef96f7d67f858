import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../../../electron/engine/age/age-keys.ts';
import { CHUNK_BYTES } from '../../../../electron/engine/age/age-stream.ts';
import { openBundleSink } from '../../../../electron/engine/export/bundle-sink.ts';
import { processCounts } from '../../../helpers/process-counts.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { decryptWithUs, HAS_AGE_CLI } from '../age/age-helpers.ts';
import { writeAll } from './sink-helpers.ts';
import { tryMountTmpfs } from '../../../helpers/small-disk.ts';

const tmp = makeTempDir('aev-writer-');
const TMPFS_KIB = 2048;
const mountDir = path.join(tmp.dir, 'small-disk');

const noSmallDisk = tryMountTmpfs(mountDir, TMPFS_KIB);
if (noSmallDisk !== null) console.warn(`skipping the full-disk writer test: ${noSmallDisk}`);

afterAll(() => {
  if (noSmallDisk === null) spawnSync('umount', [mountDir]);
  tmp.cleanup();
});

describe('the bundle writer thread', () => {
  it('seals archives that end on, just after and just before a block or chunk boundary, and an empty one', async () => {
    const key = generateIdentity();
    const block = 16 * CHUNK_BYTES;
    for (const size of [0, 1, CHUNK_BYTES, block - 1, block, block + 1, 3 * block]) {
      const plain = randomBytes(size);
      const out = path.join(tmp.dir, `edge-${size}.age`);
      // Odd piece sizes: a block fills from several writes and a write spans blocks.
      const pieces: Buffer[] = [];
      for (let at = 0; at < size; at += 300_007) pieces.push(plain.subarray(at, at + 300_007));
      await writeAll(out, [key.recipient], pieces);
      const back = await decryptWithUs(fs.readFileSync(out), key.identity, 1 << 20);
      expect(back.equals(plain), `${size} bytes`).toBe(true);
    }
  });

  it.skipIf(!HAS_AGE_CLI)('writes a multi-block file that `age -d` decrypts', async () => {
    const key = generateIdentity();
    const keyFile = path.join(tmp.dir, 'key.txt');
    fs.writeFileSync(keyFile, `${key.identity}\n`);
    const plain = randomBytes(16 * CHUNK_BYTES * 2 + 12_345);
    const out = path.join(tmp.dir, 'multi.age');
    await writeAll(out, [key.recipient], [plain.subarray(0, 777), plain.subarray(777)]);
    expect(execFileSync('age', ['-d', '-i', keyFile, out], { maxBuffer: 1 << 26 }).equals(plain)).toBe(true);
  });

  it.skipIf(noSmallDisk !== null)(
    'fails with E_DISK_FULL when the disk fills midway, leaving no file, no thread and no descriptor behind',
    async () => {
      const key = generateIdentity();
      // One export first, so that thread pools started on first use are counted in the baseline.
      await writeAll(path.join(tmp.dir, 'warm.age'), [key.recipient], [randomBytes(100)]);
      const before = processCounts();
      const out = path.join(mountDir, 'too-big.age');
      const sink = await openBundleSink(out, [key.recipient]);
      const pieces = Array.from({ length: 48 }, () => randomBytes(100_000)); // 4.8 MB on a 2 MiB disk
      const failure = await (async () => {
        for (const p of pieces) await sink.write(p);
        await sink.close();
      })().then(
        () => null,
        (error: unknown) => error,
      );
      await sink.abort(); // what the exporter does after any failure; harmless after a failed close
      expect(failure).toMatchObject({ code: 'E_DISK_FULL' });
      expect((failure as Error).message).toContain('too-big.age.partial');
      expect(fs.readdirSync(mountDir)).toEqual([]);
      expect(processCounts()).toEqual(before);
    },
  );

  it('stops its thread and closes its descriptor when the export is abandoned midway', async () => {
    const key = generateIdentity();
    await writeAll(path.join(tmp.dir, 'warm2.age'), [key.recipient], [randomBytes(100)]);
    const before = processCounts();
    const out = path.join(tmp.dir, 'abandoned.age');
    const sink = await openBundleSink(out, [key.recipient]);
    for (let i = 0; i < 20; i++) await sink.write(randomBytes(200_000));
    await sink.abort();
    expect(fs.existsSync(out) || fs.existsSync(`${out}.partial`)).toBe(false);
    expect(processCounts()).toEqual(before);
    await expect(sink.write(Buffer.from('late'))).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });
});
