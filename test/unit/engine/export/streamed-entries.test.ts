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

function writer(): { w: UstarWriter; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const w = new UstarWriter((c) => {
    chunks.push(Buffer.from(c));
    return Promise.resolve();
  }, 1_700_000_000);
  return { w, bytes: () => Buffer.concat(chunks) };
}

describe('report.html made in pieces (InlineImages)', () => {
  it('declares its exact size and writes each image as base64 where its marker was', () => {
    const images = new InlineImages();
    const pngs = [randomBytes(200_000), randomBytes(1), randomBytes(49_152), Buffer.alloc(0)];
    const html = `<p>é ✓</p>${pngs.map((p) => `<img src="data:image/png;base64,${images.base64(p)}">`).join('\n')}<p>end</p>`;
    const page = images.render(html);
    const out = Buffer.concat([...page.pieces()]);
    expect(out.length).toBe(page.size);
    expect(out.toString('utf8')).toBe(
      `<p>é ✓</p>${pngs.map((p) => `<img src="data:image/png;base64,${p.toString('base64')}">`).join('\n')}<p>end</p>`,
    );
    for (const piece of page.pieces()) expect(piece.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('leaves recorded text that looks like a marker alone (markers carry a random nonce)', () => {
    const images = new InlineImages();
    const forged = '\u00000123456789abcdef0123456789abcdef:0\u0000';
    const page = images.render(`${forged}<img src="data:image/png;base64,${images.base64(Buffer.from('png'))}">`);
    expect(Buffer.concat([...page.pieces()]).toString('utf8')).toBe(`${forged}<img src="data:image/png;base64,cG5n">`);
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
