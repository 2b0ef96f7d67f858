import { execFileSync, spawnSync } from 'node:child_process';

/** Whether an ffmpeg is on PATH (Debian: `apt-get install ffmpeg`); tests that need one skip without. */
export const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

/** Four seconds of ffmpeg's test pattern, 320×240 at 10 frames/s. */
export const TEST_PATTERN = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '4'];
export const X264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];

/** ffmpeg's output on stdout for `args` (which end in `pipe:1`), with `input` on stdin. */
export function ffmpegBytes(args: readonly string[], input?: Buffer): Buffer {
  return execFileSync('ffmpeg', args, { ...(input === undefined ? {} : { input }), maxBuffer: 64 * 1024 * 1024 });
}

/** Fragmented MP4 as the capture writes it (native/ffmpeg/capture-args.ts): moof-relative offsets, 1 s fragments. */
export function captureLikeFmp4(): Buffer {
  return ffmpegBytes([
    ...TEST_PATTERN,
    ...X264,
    ...['-tune', 'zerolatency', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof'],
    ...['-frag_duration', '1000000', 'pipe:1'],
  ]);
}

/** `mp4` (from stdin) copied, not re-encoded, into fragmented MP4 with these movflags. */
export function copyRemux(mp4: Buffer, movflags: string): Buffer {
  return ffmpegBytes(
    ['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-c', 'copy', '-f', 'mp4', '-movflags', movflags, 'pipe:1'],
    mp4,
  );
}
