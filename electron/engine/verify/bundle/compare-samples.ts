import type { VideoSamples } from './video-sample-reader.ts';

/**
 * The index of the first packet where two sample lists differ, or -1 when they are the same packets:
 * the same count and, packet by packet, the same decode and presentation times, duration (but the
 * last one's), size and content (SHA-256 of the bytes, or a sample-match verdict). Times are compared as exact rationals (ticks / timescale) relative to each
 * list's first decode time: a stream-copy remux may move the whole stream in time (ffmpeg starts its
 * output at the input's start), never one packet against another. When one list is a prefix of the
 * other, the first packet past the shorter one is named.
 */
export function firstDifference(a: VideoSamples, b: VideoSamples): number {
  const n = Math.min(a.size.length, b.size.length);
  const a0 = a.dts[0] ?? 0;
  const b0 = b.dts[0] ?? 0;
  const same = sameTime(a.timescale, b.timescale);
  // The last packet's duration is not the stream's: ffmpeg's mov muxer writes it from the duration its
  // command line guesses for a copied packet (one frame at the stream's rate), not the input's.
  const last = n - 1;
  for (let i = 0; i < n; i++) {
    if (
      a.size[i] !== b.size[i] ||
      !same((a.dts[i] ?? 0) - a0, (b.dts[i] ?? 0) - b0) ||
      !same((a.pts[i] ?? 0) - a0, (b.pts[i] ?? 0) - b0) ||
      (i < last && !same(a.duration[i] ?? 0, b.duration[i] ?? 0)) ||
      !(a.content[i]?.equals(b.content[i] ?? EMPTY) ?? false)
    )
      return i;
  }
  return a.size.length === b.size.length ? -1 : n;
}

const EMPTY = Buffer.alloc(0);

/** x / ta = y / tb, exactly: integers compared directly for one timescale, else cross-multiplied. */
function sameTime(ta: number, tb: number): (x: number, y: number) => boolean {
  if (ta === tb) return (x, y) => x === y;
  const bta = BigInt(ta);
  const btb = BigInt(tb);
  return (x, y) => BigInt(x) * btb === BigInt(y) * bta;
}
