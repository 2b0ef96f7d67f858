import { describe, expect, it } from 'vitest';
import { AevError } from '../../../../electron/common/errors.ts';
import { Fmp4Splitter } from '../../../../native/ffmpeg/fmp4-splitter.ts';
import type { Fmp4Fragment, Fmp4Init, Fmp4Part } from '../../../../native/ffmpeg/fmp4-splitter.ts';
import {
  box,
  decodedFrames,
  ffmpegFmp4,
  fullBox,
  hasFfmpeg,
  largeBox,
  rewrite,
  topBoxes,
  u32,
  u64,
} from './mp4-test-boxes.ts';

if (!hasFfmpeg) console.warn('skipping fMP4 splitter tests on real streams: install ffmpeg');

interface Split {
  readonly init: Fmp4Init;
  readonly fragments: Fmp4Fragment[];
}

/** Feeds `bytes` in chunks of the given sizes (cycled), then ends the stream. */
function split(bytes: Buffer, chunkSizes: readonly number[] = [bytes.length], options = {}): Split {
  const splitter = new Fmp4Splitter(options);
  const parts: Fmp4Part[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length] ?? 1;
    parts.push(...splitter.push(bytes.subarray(at, at + size)));
    at += size;
  }
  splitter.end();
  const inits = parts.filter((p) => p.kind === 'init').map((p) => p.init);
  const fragments = parts.flatMap((p) => (p.kind === 'fragment' ? [p.fragment] : []));
  expect(inits).toHaveLength(1);
  expect(parts[0]?.kind).toBe('init');
  return { init: inits[0] as Fmp4Init, fragments };
}

/** The stream without ffmpeg's closing mfra (the only bytes the splitter leaves out). */
function withoutMfra(stream: Buffer): Buffer {
  const last = topBoxes(stream).at(-1);
  return last?.type === 'mfra' ? stream.subarray(0, last.start) : stream;
}

function expectMediaError(run: () => unknown, message: RegExp): void {
  let thrown: unknown = null;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof AevError)) throw new Error(`expected an AevError, got ${String(thrown)}`);
  expect(thrown.code).toBe('E_MEDIA_FORMAT');
  expect(thrown.message).toMatch(message);
}

describe.skipIf(!hasFfmpeg)('Fmp4Splitter on ffmpeg output', () => {
  const stream = hasFfmpeg ? ffmpegFmp4() : Buffer.alloc(0);

  it('reads the init: 90 kHz timescale, 320x240, the avc1 codec string of the avcC record', () => {
    const { init } = split(stream);
    expect(init).toMatchObject({ timescale: 90_000, width: 320, height: 240 });
    expect(init.codec).toMatch(/^avc1\.64[0-9a-f]{4}$/); // High profile (0x64)
    expect(topBoxes(init.bytes).map((b) => b.type)).toEqual(['ftyp', 'moov']);
  });

  it('hands out every fragment with its sequence, decode time, duration, samples and keyframe flag', () => {
    const { fragments } = split(stream);
    expect(fragments.map((f) => f.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fragments.map((f) => f.decodeTime)).toEqual([0, 45_000, 90_000, 135_000, 180_000, 225_000]);
    expect(fragments.map((f) => f.duration)).toEqual(Array<number>(6).fill(45_000));
    expect(fragments.map((f) => f.samples)).toEqual(Array<number>(6).fill(5));
    // GOP 10 at 10 fps, fragments of 0.5 s: every other fragment opens on an IDR.
    expect(fragments.map((f) => f.keyframe)).toEqual([true, false, true, false, true, false]);
  });

  it('gives the same parts whatever the chunk boundaries, down to one byte at a time', () => {
    const whole = split(stream);
    for (const sizes of [[1], [7, 3, 11], [8], [16], [65_536], [4096, 1, 9000]]) {
      const chunked = split(stream, sizes);
      expect(chunked.init.bytes.equals(whole.init.bytes)).toBe(true);
      expect(chunked.fragments.map((f) => ({ ...f, bytes: f.bytes.toString('hex') }))).toEqual(
        whole.fragments.map((f) => ({ ...f, bytes: f.bytes.toString('hex') })),
      );
    }
  });

  it('loses no byte: init plus fragments is the stream less the closing mfra, and it decodes', () => {
    const { init, fragments } = split(stream, [5000]);
    const joined = Buffer.concat([init.bytes, ...fragments.map((f) => f.bytes)]);
    expect(joined.equals(withoutMfra(stream))).toBe(true);
    expect(decodedFrames(joined)).toBe(30);
  });

  it('delivers a fragment as soon as its mdat is complete, before any later byte arrives', () => {
    const boxes = topBoxes(stream);
    const firstMdat = boxes.find((b) => b.type === 'mdat');
    if (firstMdat === undefined) throw new Error('no mdat');
    const splitter = new Fmp4Splitter();
    const parts = splitter.push(stream.subarray(0, firstMdat.start + firstMdat.size));
    expect(parts.map((p) => p.kind)).toEqual(['init', 'fragment']);
  });

  it('puts the producer reference time box (prft) in front of its moof, in the same fragment', () => {
    const withPrft = ffmpegFmp4({ args: ['-write_prft', 'wallclock'] });
    const { fragments } = split(withPrft, [333]);
    expect(fragments).toHaveLength(6);
    for (const f of fragments) expect(topBoxes(f.bytes).map((b) => b.type)).toEqual(['prft', 'moof', 'mdat']);
  });

  it('reads an absolute tfhd base_data_offset (no default-base-is-moof) the same way', () => {
    const absolute = ffmpegFmp4({ movflags: 'frag_keyframe+empty_moov' });
    const ours = split(stream).fragments.map(({ bytes: _b, ...rest }) => rest);
    expect(split(absolute, [1000]).fragments.map(({ bytes: _b, ...rest }) => rest)).toEqual(ours);
  });

  it('reads fragments with neither base flag, whose data is relative to the moof', () => {
    const relative = ffmpegFmp4({ movflags: 'frag_keyframe+empty_moov+omit_tfhd_offset' });
    expect(split(relative).fragments.map((f) => f.keyframe)).toEqual([true, false, true, false, true, false]);
  });

  it('reports the sample entry four-character code for a codec without an RFC 6381 rule here (HEVC)', () => {
    const hevc = ffmpegFmp4({ codec: ['-c:v', 'libx265', '-x265-params', 'log-level=none', '-tag:v', 'hvc1'] });
    expect(split(hevc).init).toMatchObject({ codec: 'hvc1', width: 320, height: 240 });
  });

  it('reads version-1 mdhd and tkhd (64-bit times) and falls back to the sample entry size when tkhd has none', () => {
    const { init } = split(stream);
    const v1 = rewrite(init.bytes, (type, whole) => {
      if (type === 'mdhd') {
        // v0: times 4+4, timescale 4, duration 4, language+pre_defined 4
        const p = whole.subarray(12);
        return fullBox(
          'mdhd',
          1,
          0,
          u64(p.readUInt32BE(0)),
          u64(p.readUInt32BE(4)),
          p.subarray(8, 12),
          u64(p.readUInt32BE(12)),
          p.subarray(16),
        );
      }
      if (type === 'tkhd') {
        const p = whole.subarray(12);
        const rest = Buffer.from(p.subarray(20)); // reserved, layer, …, matrix, width, height
        rest.writeUInt32BE(0, rest.length - 8);
        rest.writeUInt32BE(0, rest.length - 4);
        return fullBox(
          'tkhd',
          1,
          3,
          u64(p.readUInt32BE(0)),
          u64(p.readUInt32BE(4)),
          p.subarray(8, 16),
          u64(p.readUInt32BE(16)),
          rest,
        );
      }
      return null;
    });
    const rebuilt = Buffer.concat([v1, withoutMfra(stream).subarray(init.bytes.length)]);
    expect(split(rebuilt).init).toMatchObject({ timescale: 90_000, width: 320, height: 240 });
  });

  it('carries a 64-bit-sized box between fragments into the next fragment', () => {
    const boxes = topBoxes(stream);
    const second = boxes.filter((b) => b.type === 'moof')[1];
    if (second === undefined) throw new Error('no second moof');
    const free = largeBox('free', Buffer.from('padding!'));
    const patched = Buffer.concat([stream.subarray(0, second.start), free, stream.subarray(second.start)]);
    // The absolute offsets of later fragments shifted, but ffmpeg used default-base-is-moof: nothing else moves.
    const { fragments } = split(patched, [10]);
    expect(fragments[1]?.bytes.subarray(0, free.length).equals(free)).toBe(true);
    expect(fragments[1]?.keyframe).toBe(false);
  });

  describe('refuses a malformed stream with E_MEDIA_FORMAT', () => {
    const mdat = topBoxes(stream).find((b) => b.type === 'mdat');
    if (hasFfmpeg && mdat === undefined) throw new Error('no mdat');
    const at = mdat?.start ?? 0;
    const patchSize = (size: number): Buffer => {
      const copy = Buffer.from(stream);
      copy.writeUInt32BE(size, at);
      return copy;
    };

    it('a box of size 0 ("to end of file")', () => {
      expectMediaError(() => new Fmp4Splitter().push(patchSize(0)), /size 0/);
    });

    it('a box smaller than its own header', () => {
      expectMediaError(() => new Fmp4Splitter().push(patchSize(7)), /below its own 8-byte header/);
    });

    it('a 64-bit size below the 16-byte header', () => {
      const bad = Buffer.concat([u32(1), Buffer.from('free'), u64(15)]);
      expectMediaError(() => new Fmp4Splitter().push(bad), /largesize 15/);
    });

    it('a box above the size limit, as soon as its header is seen', () => {
      const splitter = new Fmp4Splitter({ maxFragmentBytes: 4096 });
      expectMediaError(() => splitter.push(stream.subarray(0, at + 8)), /exceeds 4096/);
      // A failed splitter stays failed.
      expectMediaError(() => splitter.push(Buffer.alloc(1)), /exceeds 4096/);
    });

    it('a stream cut inside a box, when it ends', () => {
      const splitter = new Fmp4Splitter();
      splitter.push(stream.subarray(0, stream.length - 100));
      expectMediaError(() => {
        splitter.end();
      }, /inside a box/);
    });

    it('a moof whose mdat never came', () => {
      const splitter = new Fmp4Splitter();
      splitter.push(stream.subarray(0, at));
      expectMediaError(() => {
        splitter.end();
      }, /inside fragment 1/);
    });

    it('an mdat shorter than the samples its moof describes', () => {
      const size = mdat?.size ?? 0;
      const short = Buffer.concat([stream.subarray(0, at), box('mdat', stream.subarray(at + 8, at + size - 10))]);
      const moof2 = topBoxes(stream).filter((b) => b.type === 'moof')[1]?.start ?? 0;
      const next = stream.subarray(moof2);
      expectMediaError(
        () => new Fmp4Splitter().push(Buffer.concat([short, next])),
        /before fragment 1 had all its sample data/,
      );
    });

    it('an mdat before any moof (a plain, unfragmented MP4)', () => {
      const plain = Buffer.concat([box('ftyp', Buffer.from('isom'), u32(0)), box('mdat', Buffer.alloc(16))]);
      expectMediaError(() => new Fmp4Splitter().push(plain), /not a fragmented MP4/);
    });

    it('an init without the mvex that fragments need', () => {
      const init = split(stream).init.bytes;
      const noMvex = rewrite(init, (type) => (type === 'mvex' ? Buffer.alloc(0) : null));
      expectMediaError(() => new Fmp4Splitter().push(Buffer.concat([noMvex, stream.subarray(init.length)])), /no mvex/);
    });
  });
});

describe.skipIf(!hasFfmpeg)('Fmp4Splitter on layouts ffmpeg does not write', () => {
  const init = hasFfmpeg ? split(ffmpegFmp4()).init : null;

  /** A moof+mdat for track 1 with `count` samples of 100 bytes, built by hand. */
  function fragment(opts: {
    count: number;
    tfhdFlags: number;
    tfhd?: Buffer[];
    trunFlags: number;
    perSample: Buffer[];
  }): Buffer {
    const count = opts.count;
    const build = (dataOffset: number): Buffer =>
      box(
        'moof',
        fullBox('mfhd', 0, 0, u32(7)),
        box(
          'traf',
          fullBox('tfhd', 0, opts.tfhdFlags, u32(1), ...(opts.tfhd ?? [])),
          fullBox('tfdt', 0, 0, u32(1234)), // version 0: 32-bit decode time
          fullBox('trun', 0, opts.trunFlags | 0x1, u32(count), u32(dataOffset), ...opts.perSample),
        ),
      );
    const moofLength = build(0).length;
    return Buffer.concat([build(moofLength + 8), box('mdat', Buffer.alloc(100 * count, 0xab))]);
  }

  it('falls back to the trex defaults (sync, no duration) when tfhd and trun say nothing', () => {
    if (init === null) return;
    // trun: sample_size only (0x200); tfhd: default-base-is-moof only; ffmpeg's trex says sync, duration 0.
    const bytes = fragment({ count: 2, tfhdFlags: 0x020000, trunFlags: 0x200, perSample: [u32(100), u32(100)] });
    const { fragments } = split(Buffer.concat([init.bytes, bytes]));
    expect(fragments).toEqual([{ bytes, sequence: 7, decodeTime: 1234, duration: 0, samples: 2, keyframe: true }]);
  });

  it('takes the first sample flags from the per-sample flags, and durations from the samples', () => {
    if (init === null) return;
    const nonSync = 0x00010000;
    const perSample = [u32(3000), u32(100), u32(nonSync), u32(4000), u32(100), u32(0)];
    const bytes = fragment({ count: 2, tfhdFlags: 0x020000, trunFlags: 0x100 | 0x200 | 0x400, perSample });
    expect(split(Buffer.concat([init.bytes, bytes])).fragments[0]).toMatchObject({
      duration: 7000,
      samples: 2,
      keyframe: false,
    });
  });

  it('uses the tfhd default duration and flags over trex', () => {
    if (init === null) return;
    const tfhd = [u32(1500), u32(100), u32(0x01010000)]; // duration, size, flags (non-sync)
    const bytes = fragment({ count: 3, tfhdFlags: 0x020038, tfhd, trunFlags: 0, perSample: [] });
    expect(split(Buffer.concat([init.bytes, bytes])).fragments[0]).toMatchObject({
      duration: 4500,
      samples: 3,
      keyframe: false,
    });
  });
});
