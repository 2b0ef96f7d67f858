import type { SampleContent, VideoSamples } from './video-sample-reader.ts';

/**
 * Sample contents compared byte for byte instead of hashed. The sealed video items are held in memory
 * (as the decrypted pieces they came in) until the clip check, so the clip's samples, as they stream
 * past, are compared with the sealed samples' bytes where they lie: a memory compare instead of two
 * SHA-256 passes over the video (~0.9 CPU s of an hour's bundle). Each sample's "content" is then a
 * verdict: SAME for a sealed sample (read for its place only) and for a clip sample equal to the sealed
 * one of the same index, DIFFERENT otherwise; compare-samples.ts compares contents as it compares digests.
 */
const SAME = Buffer.from([1]);
const DIFFERENT = Buffer.from([0]);

/** For the sealed side: samples only located (`offsets`), their bytes looked at later by `matchSealed`. */
export function locatedOnly(): SampleContent {
  return { update: () => undefined, digest: () => SAME };
}

/**
 * For the clip side: sample `index` is SAME when its bytes are exactly those of `sealed`'s sample
 * `index`, read from `pieces` (the stream `sealed` was read from, its offsets into their concatenation).
 */
export function matchSealed(sealed: VideoSamples, pieces: readonly Buffer[]): (index: number) => SampleContent {
  const starts: number[] = [];
  let total = 0;
  for (const p of pieces) {
    starts.push(total);
    total += p.length;
  }
  return (index) => {
    const offset = sealed.offset[index];
    const size = sealed.size[index];
    if (offset === undefined || size === undefined || offset + size > total)
      return { update: () => undefined, digest: () => DIFFERENT };
    let piece = lastAtOrBefore(starts, offset);
    let at = offset - (starts[piece] ?? 0);
    let seen = 0;
    let same = true;
    return {
      update(bytes) {
        if (!same) return;
        if (seen + bytes.length > size) {
          same = false;
          return;
        }
        seen += bytes.length;
        for (let i = 0; i < bytes.length;) {
          const p = pieces[piece];
          if (p === undefined) {
            same = false;
            return;
          }
          const n = Math.min(bytes.length - i, p.length - at);
          if (bytes.compare(p, at, at + n, i, i + n) !== 0) {
            same = false;
            return;
          }
          i += n;
          at += n;
          if (at === p.length) {
            piece += 1;
            at = 0;
          }
        }
      },
      digest: () => (same && seen === size ? SAME : DIFFERENT),
    };
  };
}

/** The index of the last start at or before `offset` (starts ascend from 0). */
function lastAtOrBefore(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
