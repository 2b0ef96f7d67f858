import { spawnSync } from 'node:child_process';
import type { Database } from 'better-sqlite3';
import { Fmp4Splitter } from '../../../native/ffmpeg/fmp4-splitter.ts';

/** Debian's Chromium as the tests drive it: the capture page never throttled, nothing phoning home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  // getDisplayMedia answered without a prompt, from Chromium's synthetic screen (DESIGN.md §7).
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // The app's capture window is never throttled (backgroundThrottling: false); nor is this one.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
];

export interface FragmentRow {
  readonly startMs: number;
  readonly endMs: number;
  readonly keyframe: boolean;
  readonly ptsMs: number;
  readonly bytes: number;
}

/** The recording's fragments as the engine indexed them (times, keyframe flag, sealed size). */
export function fragmentRows(db: Database, recording: string): FragmentRow[] {
  return db
    .prepare<[string], { start_ms: number; end_ms: number; descriptor: Buffer; bytes: number }>(
      `SELECT start_ms, end_ms, descriptor, bytes FROM media
        WHERE session_id = ? AND kind = 'video-fragment' ORDER BY seq`,
    )
    .all(recording)
    .map((m) => {
      const info = (JSON.parse(m.descriptor.toString('utf8')) as { info: { keyframe: boolean; ptsMs: number } }).info;
      return { startMs: m.start_ms, endMs: m.end_ms, keyframe: info.keyframe, ptsMs: info.ptsMs, bytes: m.bytes };
    });
}

/**
 * Wall-clock times of the sync samples that start fragments, read from the recorded bytes with the
 * engine's own box parser (not from the index), mapped through the recording's anchor.
 */
export function keyframeTimes(mp4: Buffer, anchorMs: number): { readonly all: number; readonly keyAt: number[] } {
  const splitter = new Fmp4Splitter();
  let timescale = 0;
  let all = 0;
  const keyAt: number[] = [];
  for (const part of splitter.push(mp4)) {
    if (part.kind === 'init') timescale = part.init.timescale;
    else {
      all += 1;
      if (part.fragment.keyframe) keyAt.push(anchorMs + (part.fragment.decodeTime / timescale) * 1000);
    }
  }
  splitter.end();
  return { all, keyAt };
}

/** The window boundaries strictly inside (first, last - margin) of the grid `boundaryMs + k · windowMs`. */
export function boundariesWithin(first: number, last: number, boundaryMs: number, windowMs: number): number[] {
  const out: number[] = [];
  for (let b = boundaryMs + Math.ceil((first - boundaryMs) / windowMs) * windowMs; b < last - 250; b += windowMs)
    if (b > first) out.push(b);
  return out;
}

/**
 * The average colour of the last frame at or before `ptsMs` (presentation time, kept with -copyts),
 * decoded by ffmpeg from memory and averaged down to one pixel.
 */
export function colourAt(mp4: Buffer, ptsMs: number): readonly [number, number, number] {
  const r = spawnSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-copyts', '-f', 'mp4', '-i', 'pipe:0'],
      ...['-vf', `select='lte(t\\,${(ptsMs / 1000).toFixed(3)})',scale=1:1:flags=area`],
      ...['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { input: mp4, maxBuffer: 16 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not decode: ${r.stderr.toString()}`);
  const px = r.stdout.subarray(-3);
  if (px.length < 3) throw new Error(`no frame at or before ${ptsMs} ms`);
  return [px[0] ?? -1, px[1] ?? -1, px[2] ?? -1];
}

/**
 * Replaces getDisplayMedia with a canvas the test paints (captureStream: a frame only when it changes),
 * so the page sees what a real screen capturer gives on an idle screen. A string: the test project has
 * no DOM library. `window.aevPaint(colour)` paints it.
 */
export const IDLE_SCREEN_SCRIPT = `(() => {
  let g = null;
  window.aevPaint = (colour) => {
    if (g === null) return false;
    g.fillStyle = colour;
    g.fillRect(0, 0, 640, 360);
    return true;
  };
  navigator.mediaDevices.getDisplayMedia = async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    document.body.append(canvas);
    g = canvas.getContext('2d');
    g.fillStyle = '#000000';
    g.fillRect(0, 0, 640, 360);
    return canvas.captureStream();
  };
})()`;
