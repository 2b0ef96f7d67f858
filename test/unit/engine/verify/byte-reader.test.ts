import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../../../electron/engine/verify/bundle/byte-reader.ts';
import { readArchive } from '../../../../electron/engine/verify/bundle/tar-reader.ts';
import { UstarWriter } from '../../../../electron/engine/export/ustar-writer.ts';

async function* chunksOf(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

describe('the byte reader gives used-up chunks back to a source that reuses its memory', () => {
  it('gives a chunk back only at the next call, and never one a kept view was taken from', async () => {
    const chunks = [randomBytes(1000), randomBytes(1000), randomBytes(1000)];
    const released: Buffer[] = [];
    const reader = new ByteReader(chunksOf(chunks), (c) => released.push(c));
    const first = await reader.readSome(1000);
    expect(first.equals(chunks[0] ?? Buffer.alloc(0))).toBe(true);
    // Used up, but the view just handed out is valid until the next call.
    expect(released).toEqual([]);
    const kept = await reader.readSome(600, true);
    expect(released).toEqual([chunks[0]]);
    await reader.read(400); // the rest of chunk 1, from which a kept view was taken
    const across = await reader.read(1000);
    expect(across.equals(chunks[2] ?? Buffer.alloc(0))).toBe(true);
    await reader.read(1);
    expect(released).toEqual([chunks[0], chunks[2]]);
    expect(kept.equals(chunks[1]?.subarray(0, 600) ?? Buffer.alloc(0))).toBe(true);
  });

  it('gives a chunk lent to a sink back only once the sink is done with every view of it', async () => {
    const chunks = [randomBytes(1000), randomBytes(1000)];
    const released: Buffer[] = [];
    const reader = new ByteReader(chunksOf(chunks), (c) => released.push(c));
    const a = await reader.lend(600);
    const b = await reader.lend(600); // the rest of chunk 0: it is used up
    await reader.read(10);
    expect(released).toEqual([]);
    a.giveBack();
    expect(released).toEqual([]);
    b.giveBack();
    b.giveBack(); // twice is once
    expect(released).toEqual([chunks[0]]);
    expect(Buffer.concat([a.view, b.view]).equals(chunks[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('keeps what the archive reader keeps and hashes, and gives the rest back', async () => {
    const parts: Buffer[] = [];
    const w = new UstarWriter((c) => {
      parts.push(Buffer.from(c));
      return Promise.resolve();
    }, 1_700_000_000);
    const small = Buffer.from('{"kept":"whole"}');
    const video = randomBytes(150_000);
    const still = randomBytes(150_000);
    await w.addFile('manifest.json', small);
    await w.addFile('sessions/s/media/1.m4s', video);
    await w.addFile('sessions/s/media/2.png', still);
    await w.finish();
    const archive = Buffer.concat(parts);
    // Chunks of 4 KiB that are wiped when given back, as a reusing source would overwrite them.
    const chunks: Buffer[] = [];
    for (let i = 0; i < archive.length; i += 4096) chunks.push(Buffer.from(archive.subarray(i, i + 4096)));
    let releasedBytes = 0;
    const files = await readArchive(chunksOf(chunks), {
      keep: (p) => (p.endsWith('.m4s') ? 'pieces' : p.endsWith('.json')),
      release: (c) => {
        releasedBytes += c.length;
        c.fill(0xee);
      },
    });
    expect(files.get('manifest.json')?.bytes?.equals(small)).toBe(true);
    expect(Buffer.concat(files.get('sessions/s/media/1.m4s')?.pieces ?? []).equals(video)).toBe(true);
    expect(files.get('sessions/s/media/2.png')?.bytes).toBeNull();
    // The still's chunks (not kept) went back; the video's (kept as views) did not.
    expect(releasedBytes).toBeGreaterThan(still.length - 8192);
    expect(releasedBytes).toBeLessThan(archive.length - video.length);
  });
});
