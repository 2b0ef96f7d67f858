import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InlineImages } from '../../../../electron/engine/export/inline-images.ts';
import { UstarWriter } from '../../../../electron/engine/export/ustar-writer.ts';
import { readArchive } from '../../../../electron/engine/verify/bundle/tar-reader.ts';
import type { BundleEntry, ContentSink } from '../../../../electron/engine/verify/bundle/tar-reader.ts';
import { expectAevError } from '../vault/expect-aev-error.ts';

async function* pieces(b: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) {
    await Promise.resolve();
    // Fresh copies, as the age decryptor yields them: the reader may keep them as views.
    yield Buffer.from(b.subarray(i, i + size));
  }
}

/** Every piece of a streamed entry, in order. */
async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
}

function writer(): { w: UstarWriter; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const w = new UstarWriter((c) => {
    chunks.push(Buffer.from(c));
    return Promise.resolve();
  }, 1_700_000_000);
  return { w, bytes: () => Buffer.concat(chunks) };
}

describe('report.html made in pieces (InlineImages)', () => {
  it('declares its exact size and writes each image as base64 where its marker was', async () => {
    const images = new InlineImages();
    const pngs = [randomBytes(200_000), randomBytes(1), randomBytes(49_152), Buffer.alloc(0)];
    const html = `<p>é ✓</p>${pngs.map((p) => `<img src="data:image/png;base64,${images.base64(p)}">`).join('\n')}<p>end</p>`;
    const page = images.render(html);
    const out = Buffer.concat(await collect(page.pieces()));
    expect(out.length).toBe(page.size);
    expect(out.toString('utf8')).toBe(
      `<p>é ✓</p>${pngs.map((p) => `<img src="data:image/png;base64,${p.toString('base64')}">`).join('\n')}<p>end</p>`,
    );
    for await (const piece of page.pieces()) expect(piece.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('fetches deferred images only while the page is made, a few ahead, and releases each once encoded', async () => {
    const images = new InlineImages();
    const pngs = Array.from({ length: 9 }, (_, i) => randomBytes(i === 3 ? 0 : 50_000 + i * 7_001));
    let fetched = 0;
    let released = 0;
    let inFlight = 0;
    let most = 0;
    const deferred = (p: Buffer) => ({
      size: p.length,
      fetch: async () => {
        fetched += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        // The fetched buffer may be larger than the image (a shared slot): only `size` bytes are used.
        return {
          bytes: Buffer.concat([p, Buffer.from('slot tail')]),
          release: () => {
            released += 1;
            inFlight -= 1;
          },
        };
      },
    });
    const html = `<p>a</p>${pngs.map((p, i) => `<img src="data:image/png;base64,${images.base64(i % 2 === 0 ? deferred(p) : p)}">`).join('')}`;
    const page = images.render(html);
    expect(fetched).toBe(0);
    const out = Buffer.concat(await collect(page.pieces()));
    expect(out.length).toBe(page.size);
    expect(out.toString('utf8')).toBe(
      `<p>a</p>${pngs.map((p) => `<img src="data:image/png;base64,${p.toString('base64')}">`).join('')}`,
    );
    expect(fetched).toBe(5);
    expect(released).toBe(5);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(5);
  });

  it('fails the page when a deferred image cannot be fetched', async () => {
    const images = new InlineImages();
    const html = `<img src="data:image/png;base64,${images.base64({ size: 3, fetch: () => Promise.reject(new Error('changed during the export')) })}">`;
    await expect(collect(images.render(html).pieces())).rejects.toThrow('changed during the export');
  });

  it('leaves recorded text that looks like a marker alone (markers carry a random nonce)', async () => {
    const images = new InlineImages();
    const forged = '\u00000123456789abcdef0123456789abcdef:0\u0000';
    const page = images.render(`${forged}<img src="data:image/png;base64,${images.base64(Buffer.from('png'))}">`);
    expect(Buffer.concat(await collect(page.pieces())).toString('utf8')).toBe(
      `${forged}<img src="data:image/png;base64,cG5n">`,
    );
  });
});

describe('archive entries streamed in and out', () => {
  it('writes a streamed entry with its hash seen piece by piece, and refuses a size that does not match', async () => {
    const { w, bytes } = writer();
    const parts = [randomBytes(70_000), randomBytes(3), randomBytes(512)];
    const size = parts.reduce((n, p) => n + p.length, 0);
    const hash = createHash('sha256');
    await w.addStreamed('report.html', { size, pieces: () => parts }, (p) => hash.update(p));
    await w.finish();
    // A refused entry fails the export (its archive is abandoned), whether its pieces fall short or run over.
    const other = writer().w;
    await expectAevError(
      other.addStreamed('short.html', { size: size + 1, pieces: () => parts }),
      'E_INTERNAL',
      'not the',
    );
    await expectAevError(other.addStreamed('long.html', { size: 10, pieces: () => parts }), 'E_INTERNAL', 'not the');
    const read = await readArchive(pieces(bytes(), 4096));
    expect(read.get('report.html')?.sha256).toBe(hash.digest('hex'));
    expect(read.get('report.html')?.bytes?.equals(Buffer.concat(parts))).toBe(true);
  });

  it('keeps entries as pieces, streams one to a sink, and names every entry once read', async () => {
    const { w, bytes } = writer();
    const video = randomBytes(300_001);
    const clip = randomBytes(150_000);
    await w.addFile('sessions/s/media/2.m4s', video);
    await w.addFile('manifest.json', Buffer.from('{}'));
    await w.addFile('clip/clip.mp4', clip);
    await w.finish();
    const streamed: Buffer[] = [];
    let ended = false;
    const sink: ContentSink = {
      write: (c) => {
        streamed.push(Buffer.from(c));
      },
      end: () => {
        ended = true;
      },
      abort: () => undefined,
    };
    const seen: [string, number][] = [];
    const read = await readArchive(pieces(bytes(), 65_536), {
      keep: (p) => (p.endsWith('.m4s') ? 'pieces' : p === 'manifest.json'),
      stream: (p) => (p === 'clip/clip.mp4' ? sink : null),
      onEntry: (p, files: ReadonlyMap<string, BundleEntry>) => seen.push([p, files.size]),
    });
    const m4s = read.get('sessions/s/media/2.m4s');
    expect(m4s?.bytes).toBeNull();
    expect(m4s?.pieces?.length).toBeGreaterThan(1);
    expect(Buffer.concat(m4s?.pieces ?? []).equals(video)).toBe(true);
    expect(read.get('clip/clip.mp4')?.bytes).toBeNull();
    expect(ended).toBe(true);
    expect(Buffer.concat(streamed).equals(clip)).toBe(true);
    expect(seen).toEqual([
      ['sessions/s/media/2.m4s', 1],
      ['manifest.json', 2],
      ['clip/clip.mp4', 3],
    ]);
  });

  it('aborts the sink when the archive ends inside the streamed entry', async () => {
    const { w, bytes } = writer();
    await w.addFile('clip/clip.mp4', randomBytes(100_000));
    await w.finish();
    let aborted: Error | null = null;
    const sink: ContentSink = {
      write: () => undefined,
      end: () => {
        throw new Error('a cut-short entry must not end normally');
      },
      abort: (e) => {
        aborted = e;
      },
    };
    await expect(readArchive(pieces(bytes().subarray(0, 60_000), 8192), { stream: () => sink })).rejects.toMatchObject({
      code: 'ARCHIVE_TRUNCATED',
    });
    expect(aborted).toMatchObject({ code: 'ARCHIVE_TRUNCATED' });
  });
});
