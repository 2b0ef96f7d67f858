import { spawnSync } from 'node:child_process';

// Helpers for the splitter tests: real fragmented MP4 from the real ffmpeg, plus a few hand-built boxes
// for layouts ffmpeg never writes (trex-only defaults, 64-bit sizes, version-1 headers).

export const hasFfmpeg = spawnSync('ffmpeg', ['-hide_banner', '-version']).status === 0;

/** 3 s of a 320x240 test pattern at 10 fps, GOP 10, fragments of ≤ 0.5 s, timescale 90 kHz, to a pipe. */
export function ffmpegFmp4(
  options: { movflags?: string; args?: readonly string[]; codec?: readonly string[] } = {},
): Buffer {
  const result = spawnSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '3'],
      ...(options.codec ?? ['-c:v', 'libx264', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '0']),
      ...['-video_track_timescale', '90000', ...(options.args ?? [])],
      ...['-f', 'mp4', '-movflags', options.movflags ?? 'frag_keyframe+empty_moov+default_base_moof'],
      ...['-frag_duration', '500000', 'pipe:1'],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** Counts the frames ffmpeg decodes from an MP4 given on stdin (never a file). */
export function decodedFrames(mp4: Buffer): number {
  const result = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-f', 'mp4', '-i', 'pipe:0', '-f', 'null', '-'], {
    input: mp4,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`ffmpeg could not decode: ${result.stderr.toString()}`);
  const frames = /frame=\s*(\d+)/g;
  let last = -1;
  for (const m of result.stderr.toString().matchAll(frames)) last = Number(m[1]);
  return last;
}

export interface TopBox {
  readonly type: string;
  readonly start: number;
  readonly size: number;
}

/** Top-level boxes of a complete stream (32-bit sizes, as ffmpeg writes them). */
export function topBoxes(bytes: Buffer): TopBox[] {
  const boxes: TopBox[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = bytes.readUInt32BE(at);
    boxes.push({ type: bytes.toString('latin1', at + 4, at + 8), start: at, size });
    at += size;
  }
  return boxes;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body]);
}

/** The same box written with size = 1 and a 64-bit largesize (ISO/IEC 14496-12 §4.2). */
export function largeBox(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(1), Buffer.from(type, 'latin1'), u64(16 + body.length), body]);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...payload);
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'dinf', 'edts']);

/**
 * Rebuilds a box tree with `replace` applied to every box (by type): lets a test turn ffmpeg's version-0
 * mdhd into a version-1 one while every parent's size stays right.
 */
export function rewrite(bytes: Buffer, replace: (type: string, whole: Buffer) => Buffer | null): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const whole = bytes.subarray(at, at + size);
    const replaced = replace(type, whole);
    if (replaced !== null) out.push(replaced);
    else if (CONTAINERS.has(type)) out.push(box(type, rewrite(whole.subarray(8), replace)));
    else out.push(whole);
    at += size;
  }
  return Buffer.concat(out);
}
