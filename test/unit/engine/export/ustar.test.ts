import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOCK, headerChecksum, ustarHeader, UstarWriter } from '../../../../electron/engine/export/ustar-writer.ts';
import { verifyBundle } from '../../../../electron/engine/verify/bundle/verify-bundle.ts';
import { ArchiveError, readArchive } from '../../../../electron/engine/verify/bundle/tar-reader.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const tmp = makeTempDir('aev-ustar-');
afterAll(() => {
  tmp.cleanup();
});

async function archive(files: Record<string, string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const w = new UstarWriter((c) => {
    chunks.push(Buffer.from(c));
    return Promise.resolve();
  }, 1_700_000_000);
  for (const [name, text] of Object.entries(files)) await w.addFile(name, Buffer.from(text));
  await w.finish();
  return Buffer.concat(chunks);
}

/** A hand-made header, for archives our writer refuses to produce. */
function rawHeader(name: string, size: number, flag = '0', prefix = ''): Buffer {
  const h = ustarHeader('x', 0, 0);
  h.fill(0, 0, 100);
  h.write(name, 0, 100, 'latin1');
  h.fill(0, 345, 500);
  h.write(prefix, 345, 155, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\u0000`, 124, 12, 'latin1');
  h.write(flag, 156, 1, 'latin1');
  if (flag === '2' || flag === '1') h.write('/etc/passwd', 157, 100, 'latin1');
  h.fill(0x20, 148, 156);
  h.write(`${headerChecksum(h).toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return h;
}

function entry(name: string, content: string, flag = '0'): Buffer {
  const data = Buffer.from(content);
  const pad = Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK);
  return Buffer.concat([rawHeader(name, data.length, flag), data, pad]);
}

const END = Buffer.alloc(2 * BLOCK);

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  // Odd chunk sizes, delivered asynchronously: the reader must not assume block-aligned chunks.
  for (let i = 0; i < b.length; i += 333) {
    await Promise.resolve();
    yield b.subarray(i, i + 333);
  }
}

async function refusal(b: Buffer, limits?: Parameters<typeof readArchive>[1]): Promise<ArchiveError> {
  try {
    await readArchive(once(b), limits);
  } catch (error) {
    if (error instanceof ArchiveError) return error;
    throw error;
  }
  throw new Error('the archive was accepted');
}

describe('ustar writer and strict reader', () => {
  it('round-trips files, long paths included, and GNU tar reads what we write', async () => {
    const long = `sessions/${'s'.repeat(60)}/records/${'r'.repeat(90)}.json`;
    const files = { 'manifest.json': '{"v":1}', [long]: 'x'.repeat(1000), 'empty.txt': '' };
    const tar = await archive(files);
    expect(tar.length % BLOCK).toBe(0);
    const read = await readArchive(once(tar));
    expect([...read.keys()]).toEqual(Object.keys(files));
    for (const [name, text] of Object.entries(files)) {
      expect(read.get(name)?.bytes?.toString()).toBe(text);
      expect(read.get(name)?.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    }
    const file = path.join(tmp.dir, 'ours.tar');
    fs.writeFileSync(file, tar);
    expect(execFileSync('tar', ['tf', file]).toString().trim().split('\n')).toEqual(Object.keys(files));
    expect(execFileSync('tar', ['xOf', file, long]).toString()).toBe('x'.repeat(1000));
  });

  it('refuses a path traversal entry', async () => {
    expect((await refusal(Buffer.concat([entry('../evil', 'x'), END]))).code).toBe('ARCHIVE_TRAVERSAL');
    expect((await refusal(Buffer.concat([entry('a/../../evil', 'x'), END]))).code).toBe('ARCHIVE_TRAVERSAL');
  });

  it('refuses an absolute path', async () => {
    expect((await refusal(Buffer.concat([entry('/etc/cron.d/x', 'x'), END]))).code).toBe('ARCHIVE_ABSOLUTE');
  });

  it('refuses symbolic and hard links, devices and extension headers', async () => {
    expect((await refusal(Buffer.concat([entry('link', '', '2'), END]))).code).toBe('ARCHIVE_LINK');
    expect((await refusal(Buffer.concat([entry('hard', '', '1'), END]))).code).toBe('ARCHIVE_LINK');
    expect((await refusal(Buffer.concat([entry('dev', '', '3'), END]))).code).toBe('ARCHIVE_ENTRY_TYPE');
    expect((await refusal(Buffer.concat([entry('pax', 'x', 'x'), END]))).code).toBe('ARCHIVE_ENTRY_TYPE');
  });

  it('refuses a duplicate entry, and a path that is both a file and a folder', async () => {
    expect((await refusal(Buffer.concat([entry('a.json', '1'), entry('a.json', '2'), END]))).code).toBe(
      'ARCHIVE_DUPLICATE',
    );
    expect((await refusal(Buffer.concat([entry('a', '1'), entry('a/b', '2'), END]))).code).toBe('ARCHIVE_DUPLICATE');
  });

  it('refuses a truncated archive, inside a file and before the end marker', async () => {
    const tar = await archive({ 'a.json': 'y'.repeat(2000) });
    expect((await refusal(tar.subarray(0, 1200))).code).toBe('ARCHIVE_TRUNCATED');
    expect((await refusal(tar.subarray(0, tar.length - BLOCK))).code).toBe('ARCHIVE_TRUNCATED');
    expect((await refusal(tar.subarray(0, 100))).code).toBe('ARCHIVE_TRUNCATED');
  });

  it('refuses oversized declared sizes before reading them, and too many entries', async () => {
    const huge = Buffer.concat([rawHeader('big.m4s', 0o77777777777), Buffer.alloc(BLOCK)]);
    expect((await refusal(huge)).code).toBe('ARCHIVE_OVERSIZED');
    const three = Buffer.concat([entry('a', '1'), entry('b', '2'), entry('c', '3'), END]);
    expect((await refusal(three, { limits: { maxEntries: 2 } })).code).toBe('ARCHIVE_TOO_MANY');
    expect((await refusal(three, { limits: { maxTotalBytes: 2 } })).code).toBe('ARCHIVE_OVERSIZED');
  });

  it('refuses damaged headers, odd names and trailing data', async () => {
    const tar = await archive({ 'a.json': '1' });
    const bad = Buffer.from(tar);
    bad[10] = 0x41;
    expect((await refusal(bad)).code).toBe('ARCHIVE_HEADER');
    expect((await refusal(Buffer.concat([entry('sp ace', 'x'), END]))).code).toBe('ARCHIVE_PATH');
    expect((await refusal(Buffer.concat([entry('a//b', 'x'), END]))).code).toBe('ARCHIVE_PATH');
    expect((await refusal(Buffer.concat([tar, Buffer.from('junk')]))).code).toBe('ARCHIVE_HEADER');
    expect((await refusal(Buffer.from('not a tar at all'.repeat(64)))).code).toBe('ARCHIVE_HEADER');
  });

  it('aev verify reports a hostile bundle as one coded archive failure, never a crash', async () => {
    const file = path.join(tmp.dir, 'hostile.tar');
    fs.writeFileSync(file, Buffer.concat([entry('manifest.json', '{}'), entry('../../x', 'x'), END]));
    const report = await verifyBundle({ file });
    expect(report.ok).toBe(false);
    expect(report.items).toEqual([
      expect.objectContaining({ item: 'archive', status: 'fail', code: 'ARCHIVE_TRAVERSAL' }),
    ]);
  });
});
