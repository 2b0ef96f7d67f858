import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstDifference } from '../../../../electron/engine/verify/bundle/compare-samples.ts';
import {
  MAX_HEADER_BOX_BYTES,
  VideoSampleReader,
} from '../../../../electron/engine/verify/bundle/video-sample-reader.ts';
import type {
  VideoSamples,
  VideoSamplesResult,
} from '../../../../electron/engine/verify/bundle/video-sample-reader.ts';
import {
  captureLikeFmp4,
  copyRemux,
  ffmpegBytes,
  hasFfmpeg,
  TEST_PATTERN,
  X264,
} from '../../../helpers/fmp4-fixtures.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

if (!hasFfmpeg) console.warn('skipping the fragmented MP4 reader tests: no ffmpeg (Debian: ffmpeg)');

const FRAGMENTED = ['-f', 'mp4', '-movflags'];

/**
 * The in-process reader of fragmented MP4 (video-sample-reader.ts) against ffmpeg's own demuxer, on files
 * ffmpeg writes here: the packet list ffmpeg's framemd5 muxer prints (with `-hash sha256`, so the content
 * digest is the very SHA-256 of each packet's bytes) must be the reader's, packet for packet.
 */
describe.skipIf(!hasFfmpeg)('reading the video samples of a fragmented MP4 in this process', () => {
  const work = makeTempDir('aev-fmp4-');
  afterAll(() => {
    work.cleanup();
  });

  const capture = captureLikeFmp4;
  /** B-frames, so ffmpeg writes an edit list (delay_moov) shifting the decode times. */
  const withEditList = (): Buffer =>
    ffmpegBytes([...TEST_PATTERN, ...X264, '-bf', '2', ...FRAGMENTED, 'frag_keyframe+empty_moov+delay_moov', 'pipe:1']);
  const withBFrames = (): Buffer =>
    ffmpegBytes([
      ...TEST_PATTERN,
      ...X264,
      '-bf',
      '3',
      '-g',
      '12',
      ...FRAGMENTED,
      'frag_keyframe+empty_moov',
      'pipe:1',
    ]);
  /** A clip as remuxClip writes it: the video copied, with a mov_text track beside it (two trafs per moof). */
  const remuxed = (video: Buffer): Buffer => {
    const vtt = path.join(work.dir, 'c.vtt');
    fs.writeFileSync(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhello\n\n00:00:02.000 --> 00:00:03.000\nworld\n');
    return ffmpegBytes(
      [
        ...['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-f', 'webvtt', '-i', vtt, '-map', '0:v:0', '-map', '1:s:0'],
        ...['-c:v', 'copy', '-copyinkf', '-c:s', 'mov_text', ...FRAGMENTED, 'frag_keyframe+empty_moov', 'pipe:1'],
      ],
      video,
    );
  };

  function read(bytes: Buffer, pieces: readonly number[] = [bytes.length]): VideoSamplesResult {
    const reader = new VideoSampleReader();
    let at = 0;
    for (const n of pieces) {
      reader.push(bytes.subarray(at, at + n));
      at += n;
    }
    reader.push(bytes.subarray(at));
    return reader.end();
  }

  function samples(bytes: Buffer): VideoSamples {
    const r = read(bytes);
    if (!r.ok) throw new Error(r.unsupported);
    return r;
  }

  /** ffmpeg's framemd5 lines (stream copy, first video stream), times in seconds from the first dts. */
  function framehash(bytes: Buffer): { dts: number; pts: number; duration: number; size: number; hash: string }[] {
    const out = ffmpegBytes(
      [
        ...['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0', '-c', 'copy', '-copyinkf'],
        ...['-f', 'framemd5', '-hash', 'sha256', 'pipe:1'],
      ],
      bytes,
    ).toString();
    const tb = /^#tb 0: (\d+)\/(\d+)$/m.exec(out);
    expect(tb).not.toBeNull();
    const seconds = (ticks: number): number => (ticks * Number(tb?.[1])) / Number(tb?.[2]);
    const lines = out
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => l.split(',').map((f) => f.trim()));
    const d0 = Number(lines[0]?.[1]);
    return lines.map((f) => ({
      dts: seconds(Number(f[1]) - d0),
      pts: seconds(Number(f[2]) - d0),
      duration: seconds(Number(f[3])),
      size: Number(f[4]),
      hash: f[5] ?? '',
    }));
  }

  function ours(s: VideoSamples): ReturnType<typeof framehash> {
    const d0 = s.dts[0] ?? 0;
    return s.size.map((size, i) => ({
      dts: ((s.dts[i] ?? 0) - d0) / s.timescale,
      pts: ((s.pts[i] ?? 0) - d0) / s.timescale,
      duration: (s.duration[i] ?? 0) / s.timescale,
      size,
      hash: s.content[i]?.toString('hex') ?? '',
    }));
  }

  const cases: [string, () => Buffer][] = [
    ['the capture’s own format (libx264, default-base-is-moof)', capture],
    ['B-frames (composition offsets)', withBFrames],
    [
      'MPEG-4 Part 2 (mpeg4)',
      () => ffmpegBytes([...TEST_PATTERN, '-c:v', 'mpeg4', ...FRAGMENTED, 'frag_keyframe+empty_moov', 'pipe:1']),
    ],
    ['an edit list (delay_moov)', withEditList],
    ['a remuxed clip with a subtitle track (explicit base data offsets)', () => remuxed(capture())],
    ['a remuxed clip of B-frames', () => remuxed(withBFrames())],
    [
      'one moof per track (separate_moof)',
      () => copyRemux(remuxed(capture()), 'frag_keyframe+empty_moov+separate_moof'),
    ],
  ];

  it.each(cases)('lists the packets ffmpeg lists: %s', (_name, make) => {
    const bytes = make();
    const mine = ours(samples(bytes));
    expect(mine.length).toBe(40);
    expect(mine).toEqual(framehash(bytes));
  });

  it('applies the edit list’s shift to decode times the way ffmpeg does', () => {
    const bytes = withEditList();
    const s = samples(bytes);
    // ffmpeg -copyts keeps the demuxer's own times: its first packet's dts is ours.
    const out = ffmpegBytes(
      [
        '-v',
        'error',
        '-copyts',
        '-f',
        'mp4',
        '-i',
        'pipe:0',
        '-map',
        '0:v:0',
        '-c',
        'copy',
        '-f',
        'framemd5',
        'pipe:1',
      ],
      bytes,
    ).toString();
    const first =
      out
        .split('\n')
        .find((l) => l.trim() !== '' && !l.startsWith('#'))
        ?.split(',') ?? [];
    expect(s.dts[0]).toBeLessThan(0);
    expect([s.dts[0], s.pts[0]]).toEqual([Number(first[1]), Number(first[2])]);
  });

  it('gives the same result for any split into pieces, down to single bytes', () => {
    const bytes = remuxed(withBFrames());
    const whole = samples(bytes);
    expect(
      read(
        bytes,
        Array.from({ length: bytes.length }, () => 1),
      ),
    ).toEqual(whole);
    for (let round = 0; round < 20; round++) {
      const pieces: number[] = [];
      for (let left = bytes.length; left > 0;) {
        const n = Math.min(left, randomInt(1, 4000));
        pieces.push(n);
        left -= n;
      }
      expect(read(bytes, pieces)).toEqual(whole);
    }
  });

  it('names the packet where a copy differs: a changed byte, a dropped, reordered or retimed sample', () => {
    const original = samples(capture());
    const same = samples(remuxed(capture()));
    expect(firstDifference(same, original)).toBe(-1);
    const altered = (change: (s: Mutable) => void): VideoSamples => {
      const s: Mutable = {
        ...original,
        dts: [...original.dts],
        pts: [...original.pts],
        duration: [...original.duration],
        size: [...original.size],
        content: [...original.content],
        offset: [...original.offset],
      };
      change(s);
      return s;
    };
    // One byte of the 8th sample changed in the file itself.
    const bytes = capture();
    const s8 = samples(bytes);
    const flipped = Buffer.from(bytes);
    const at = sampleOffset(bytes, 7);
    flipped[at] = (flipped[at] ?? 0) ^ 0x01;
    const changed = samples(flipped);
    expect(s8.size).toEqual(changed.size);
    expect(firstDifference(changed, original)).toBe(7);
    const lists = (s: Mutable): unknown[][] => [s.dts, s.pts, s.duration, s.size, s.content];
    const dropped = altered((s) => {
      for (const list of lists(s)) list.splice(5, 1);
    });
    expect(firstDifference(dropped, original)).toBe(5);
    expect(
      firstDifference(
        altered((s) => {
          for (const list of [s.content, s.size] as unknown[][]) [list[3], list[4]] = [list[4], list[3]];
        }),
        original,
      ),
    ).toBe(3);
    expect(
      firstDifference(
        altered((s) => (s.pts[9] = (s.pts[9] ?? 0) + 1)),
        original,
      ),
    ).toBe(9);
    expect(
      firstDifference(
        altered((s) => (s.duration[12] = (s.duration[12] ?? 0) + 1)),
        original,
      ),
    ).toBe(12);
    // ffmpeg's remux writes the last packet's duration from the frame rate, not from its input.
    expect(
      firstDifference(
        altered((s) => (s.duration[39] = (s.duration[39] ?? 0) * 5)),
        original,
      ),
    ).toBe(-1);
    const shorter = altered((s) => {
      for (const list of lists(s)) list.pop();
    });
    expect(firstDifference(shorter, original)).toBe(39);
    expect(firstDifference(original, shorter)).toBe(39);
    // The same stream moved as a whole (ffmpeg starts a remux at 0) and in another timescale is the same.
    const moved = altered((s) => {
      s.timescale *= 3;
      for (const list of [s.dts, s.pts]) for (const i of list.keys()) list[i] = ((list[i] ?? 0) + 77) * 3;
      for (const i of s.duration.keys()) s.duration[i] = (s.duration[i] ?? 0) * 3;
    });
    expect(firstDifference(moved, original)).toBe(-1);
  });

  /** Where sample `n` of the video track lies in the file, as ffprobe says (independent of the reader). */
  function sampleOffset(bytes: Buffer, n: number): number {
    const file = path.join(work.dir, `probe-${n}.mp4`);
    fs.writeFileSync(file, bytes);
    const probe = JSON.parse(
      execFileSync('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pos,size', '-of', 'json', file],
      ]).toString(),
    ) as { packets: { pos: string; size: string }[] };
    const pos = Number(probe.packets[n]?.pos);
    const size = Number(probe.packets[n]?.size);
    return pos + Math.floor(size / 2);
  }

  it('reports what it does not read as unsupported, never as packets: plain MP4, negative offsets', () => {
    const plain = path.join(work.dir, 'plain.mp4');
    ffmpegBytes([...TEST_PATTERN, ...X264, '-y', plain]);
    expect(read(fs.readFileSync(plain))).toEqual({ ok: false, unsupported: 'an mdat before the first moof' });
    ffmpegBytes(['-v', 'error', '-y', '-i', plain, '-c', 'copy', '-movflags', 'faststart', `${plain}.fast.mp4`]);
    expect(unsupportedOf(read(fs.readFileSync(`${plain}.fast.mp4`)))).toMatch(/moov holds samples/);
    const negative = ffmpegBytes([
      ...TEST_PATTERN,
      ...X264,
      '-bf',
      '2',
      ...FRAGMENTED,
      'frag_keyframe+empty_moov+negative_cts_offsets',
      'pipe:1',
    ]);
    expect(read(negative)).toEqual({ ok: false, unsupported: 'a negative composition time offset' });
  });

  it('reports every truncation as unsupported, and never throws on damaged input', () => {
    const bytes = remuxed(capture());
    for (let cut = 0; cut < bytes.length; cut += 97) {
      const r = read(bytes.subarray(0, cut));
      expect(r.ok, `cut at ${cut}`).toBe(false);
    }
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(bytes);
      // Damage lands in the box structure (the first kilobytes and each moof), where it matters.
      for (let k = 0; k < 4; k++) damaged[randomInt(0, Math.min(damaged.length, 4096))] = randomInt(0, 256);
      expect(() => read(damaged, [randomInt(1, 5000), randomInt(1, 5000)])).not.toThrow();
    }
  });

  it('refuses hostile sizes and offsets without reading or holding them', () => {
    const bytes = capture();
    const moof = bytes.indexOf('moof');
    // A moof declaring 4 GiB: refused at its header, nothing allocated for it.
    const huge = Buffer.from(bytes);
    huge.writeUInt32BE(0xfffffff0, moof - 4);
    expect(read(huge)).toEqual({
      ok: false,
      unsupported: `a 'moof' box of 4294967280 bytes (at most ${MAX_HEADER_BOX_BYTES} are read)`,
    });
    // A 64-bit largesize beyond 2^53.
    const large = Buffer.concat([bytes.subarray(0, moof - 4), Buffer.from('0000000166726565ffffffffffffffff', 'hex')]);
    expect(unsupportedOf(read(large))).toMatch(/largesize/);
    // The first trun's data_offset pointing back into the moof (and before it).
    const trun = bytes.indexOf('trun', moof);
    for (const offset of [8, -1000]) {
      const back = Buffer.from(bytes);
      back.writeInt32BE(offset, trun + 4 + 4 + 4);
      expect(read(back)).toEqual({ ok: false, unsupported: 'sample data lies before its moof ends' });
    }
    // A trun declaring four billion samples of the default size, in a few bytes.
    const many = Buffer.from(bytes);
    many.writeUInt32BE(0xffffffff, trun + 8);
    expect(unsupportedOf(read(many))).toMatch(/more than|too short/);
    // Unknown trun flags.
    const flags = Buffer.from(bytes);
    flags.writeUInt8(0x10, trun + 5);
    expect(unsupportedOf(read(flags))).toMatch(/^trun flags/);
  });
});

type Mutable = {
  -readonly [K in keyof VideoSamples]: VideoSamples[K] extends readonly (infer T)[] ? T[] : VideoSamples[K];
};

function unsupportedOf(r: VideoSamplesResult): string {
  return r.ok ? 'read' : r.unsupported;
}
