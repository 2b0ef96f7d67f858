/**
 * What ffmpeg's stderr banner tells us about time. For x11grab and gdigrab the first input's
 * `start:` is the wall-clock time of the first frame in seconds since the epoch (both devices stamp
 * frames with av_gettime()); avfoundation stamps with the host clock and lavfi sources start at 0.
 */
export type BannerAnchor =
  | { readonly kind: 'pending' }
  | { readonly kind: 'epoch'; readonly ms: number }
  /** The banner is over (or absent) without a plausible epoch. */
  | { readonly kind: 'none' };

const DAY_MS = 86_400_000;

/**
 * Reads the stderr seen so far. `nowMs` is when the process was spawned: a `start:` more than a day away
 * from it is not an epoch (it is a device or stream clock).
 */
export function bannerAnchor(stderr: string, nowMs: number): BannerAnchor {
  const input = /^Input #0, [^\n]*\n(?:[^\n]*\n)*?\s*Duration: [^\n]*?start: (-?\d+(?:\.\d+)?),/m.exec(stderr);
  if (input?.[1] !== undefined) {
    const ms = Number(input[1]) * 1000;
    return Math.abs(ms - nowMs) <= DAY_MS ? { kind: 'epoch', ms } : { kind: 'none' };
  }
  // Past the input section: the output header, the stream map or the key prompt has been printed.
  if (/^(Output #0|Stream mapping:|Press \[q\])/m.test(stderr)) return { kind: 'none' };
  return { kind: 'pending' };
}
