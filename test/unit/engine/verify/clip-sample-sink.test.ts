import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UstarWriter } from '../../../../electron/engine/export/ustar-writer.ts';
import { videoPacketDigests } from '../../../../electron/engine/export/clip-remux.ts';
import { streamedClipPackets } from '../../../../electron/engine/verify/bundle/clip-sample-sink.ts';
import type { ClipPackets, EarlySealedSamples } from '../../../../electron/engine/verify/bundle/clip-sample-sink.ts';
import { firstDifference } from '../../../../electron/engine/verify/bundle/compare-samples.ts';
import { locatedOnly } from '../../../../electron/engine/verify/bundle/sample-match.ts';
import { readArchive } from '../../../../electron/engine/verify/bundle/tar-reader.ts';
import { readVideoSamples, VideoSampleReader } from '../../../../electron/engine/verify/bundle/video-sample-reader.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { captureLikeFmp4, copyRemux, hasFfmpeg, TEST_PATTERN } from '../../../helpers/fmp4-fixtures.ts';

if (!hasFfmpeg) console.warn('skipping the clip sink tests: no ffmpeg (Debian: ffmpeg)');

const SOURCE = [...TEST_PATTERN, '-c:v', 'libx264'];
const PIECE = 4096;

/**
 * clip.mp4 read as the archive streams past (clip-sample-sink.ts), from a source that takes each piece's
 * memory away once it is given back (as the age decryption thread does: the slab is transferred, so a
 * view of it becomes empty): the packets are read in this process, and a file that reader does not
 * handle goes to ffmpeg from its first byte.
 */
describe.skipIf(!hasFfmpeg)('clip.mp4 read while the archive streams past', () => {
  const work = makeTempDir('aev-clip-sink-');
  afterAll(() => {
    work.cleanup();
  });

  async function streamThrough(
    clip: Buffer,
    sealed: EarlySealedSamples | null = null,
    ffmpeg: string | null = 'ffmpeg',
  ): Promise<{ result: ClipPackets; released: number; pieces: number }> {
    const parts: Buffer[] = [];
    const w = new UstarWriter((c) => {
      parts.push(Buffer.from(c));
      return Promise.resolve();
    }, 1_700_000_000);
    await w.addFile('manifest.json', Buffer.from('{}'));
    await w.addFile('clip/clip.mp4', clip);
    await w.finish();
    const archive = Buffer.concat(parts);
    const pieces: Buffer[] = [];
    for (let i = 0; i < archive.length; i += PIECE) {
      const own = Buffer.from(new ArrayBuffer(Math.min(PIECE, archive.length - i)));
      archive.copy(own, 0, i, i + own.length);
      pieces.push(own);
    }
    let released = 0;
    let packets: ReturnType<typeof streamedClipPackets> | null = null;
    await readArchive(
      (async function* () {
        for (const p of pieces) {
          await Promise.resolve();
          yield p;
        }
      })(),
      {
        keep: (p) => p === 'manifest.json',
        release: (piece) => {
          released += 1;
          structuredClone(piece.buffer, { transfer: [piece.buffer as ArrayBuffer] });
        },
        stream: (p) => {
          if (p !== 'clip/clip.mp4') return null;
          packets = streamedClipPackets(sealed, () => Promise.resolve(ffmpeg));
          return packets.sink;
        },
      },
    );
    expect(packets).not.toBeNull();
    const result = await (packets as unknown as ReturnType<typeof streamedClipPackets>).result;
    return { result, released, pieces: pieces.length };
  }

  const fragmented = (): Buffer =>
    execFileSync('ffmpeg', [...SOURCE, '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1']);

  it('reads the packets in this process and gives every piece back as soon as it is read', async () => {
    const clip = fragmented();
    const { result, released, pieces } = await streamThrough(clip);
    const whole = new VideoSampleReader();
    whole.push(clip);
    expect(result).toEqual({ kind: 'samples', samples: whole.end(), against: null });
    // Every piece but the last (which also holds the end-of-archive marker) went back to the source.
    expect(released).toBeGreaterThanOrEqual(pieces - 2);
  });

  it('sends a plain (non-fragmented) MP4 to ffmpeg from its first byte, with the same digests ffmpeg gives', async () => {
    const file = path.join(work.dir, 'plain.mp4');
    execFileSync('ffmpeg', [...SOURCE, '-y', file]);
    const clip = fs.readFileSync(file);
    const { result } = await streamThrough(clip);
    expect(result).toMatchObject({ kind: 'ffmpeg', unsupported: 'an mdat before the first moof' });
    const direct = await videoPacketDigests('ffmpeg', clip);
    expect(direct.ok && direct.packets.length).toBe(40);
    expect(result.kind === 'ffmpeg' ? result.digests : null).toEqual(direct);
  });

  it('sends the clip to ffmpeg when the sealed side needs it, and says when there is no ffmpeg', async () => {
    const clip = fragmented();
    const unsupported: EarlySealedSamples = {
      pieces: [],
      result: Promise.resolve({ ok: false, unsupported: 'a negative composition time offset' }),
    };
    const both = await streamThrough(clip, unsupported);
    expect(both.result).toMatchObject({ kind: 'ffmpeg', digests: await videoPacketDigests('ffmpeg', clip) });
    const none = await streamThrough(clip, unsupported, null);
    expect(none.result).toMatchObject({ kind: 'ffmpeg', digests: null });
  });

  /** The sealed side as verify-bundle.ts holds it: the init segment and fragments in odd-sized pieces. */
  function locate(sealed: Buffer): EarlySealedSamples {
    const pieces: Buffer[] = [];
    for (let at = 0; at < sealed.length; at += 777) pieces.push(sealed.subarray(at, at + 777));
    return { pieces, result: readVideoSamples(pieces, { content: locatedOnly, offsets: true }) };
  }

  it('compares the clip’s samples with the held sealed bytes, naming the packet whose byte changed', async () => {
    const sealed = captureLikeFmp4();
    const clip = copyRemux(sealed, 'frag_keyframe+empty_moov');
    const early = locate(sealed);
    const located = await early.result;
    if (!located.ok) throw new Error(located.unsupported);
    const same = await streamThrough(clip, early);
    expect(same.result).toMatchObject({ kind: 'samples', against: early.pieces });
    if (same.result.kind !== 'samples') return;
    expect(same.result.samples.size.length).toBe(40);
    expect(firstDifference(same.result.samples, located)).toBe(-1);
    // One byte in the middle of the 6th sample of the clip (its place from the clip's own reading).
    const reader = new VideoSampleReader({ offsets: true });
    reader.push(clip);
    const own = reader.end();
    if (!own.ok) throw new Error(own.unsupported);
    const altered = Buffer.from(clip);
    const at = (own.offset[5] ?? 0) + Math.floor((own.size[5] ?? 0) / 2);
    altered[at] = (altered[at] ?? 0) ^ 0x40;
    const changed = await streamThrough(altered, locate(sealed));
    expect(changed.result.kind === 'samples' && firstDifference(changed.result.samples, located)).toBe(5);
  });
});
