import { spawnSync } from 'node:child_process';

export const hasFfmpeg = spawnSync('ffmpeg', ['-hide_banner', '-version']).status === 0;

export interface DecodedFrame {
  /** Presentation time in the stream, seconds. */
  readonly pts: number;
  readonly rgb: readonly [number, number, number];
}

/**
 * Decodes an MP4 given on stdin (bytes never touch disk) and returns every frame's time and the colour
 * of one pixel, read through showinfo (times) and a 1x1 crop written as raw RGB (colours).
 */
export function decodeFrames(mp4: Buffer, pixel: { x: number; y: number }): DecodedFrame[] {
  const result = spawnSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostats', '-f', 'mp4', '-i', 'pipe:0'],
      ...['-vf', `format=rgb24,crop=1:1:${pixel.x}:${pixel.y},showinfo`, '-fps_mode', 'passthrough'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { input: mp4, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg could not decode the recording: ${result.stderr.toString()}`);
  const times = [...result.stderr.toString().matchAll(/\bn:\s*\d+ pts:\s*-?\d+ pts_time:(-?[\d.]+)/g)].map((m) =>
    Number(m[1]),
  );
  const rgb = result.stdout;
  if (rgb.length !== times.length * 3)
    throw new Error(`decoded ${times.length} frames but ${rgb.length} bytes of pixels`);
  return times.map((pts, i) => ({ pts, rgb: [rgb[i * 3] ?? 0, rgb[i * 3 + 1] ?? 0, rgb[i * 3 + 2] ?? 0] as const }));
}

/** Within `tolerance` per channel (4:2:0 limited-range H.264 does not give colours back exactly). */
export function near(rgb: readonly number[], expected: readonly number[], tolerance = 16): boolean {
  return rgb.every((v, i) => Math.abs(v - (expected[i] ?? 0)) <= tolerance);
}

/** An argument list from captureArgs with its grabber input replaced by a lavfi test source. */
export function withLavfiSource(args: readonly string[], source: string, realtime = false): string[] {
  const from = args.indexOf('-f');
  const to = args.indexOf('-i') + 2;
  return [...args.slice(0, from), ...(realtime ? ['-re'] : []), '-f', 'lavfi', '-i', source, ...args.slice(to)];
}
