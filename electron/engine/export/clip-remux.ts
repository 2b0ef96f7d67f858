import { ffmpegPipes } from './clip-ffmpeg.ts';
import type { PipeInput } from './clip-ffmpeg.ts';
import type { StreamedContent } from './ustar-writer.ts';

// Options per the ffmpeg manual (ffmpeg.html): `-c:v copy` is stream copy, no re-encode; `-copyinkf`
// keeps non-key frames at the start too, so every packet of the input reaches the output (and the
// verifier's digest of the input matches the clip's exactly); `-movflags frag_keyframe+empty_moov`
// (ffmpeg-formats.html "mov, mp4…") writes a fragmented MP4, the only kind a pipe can carry.

const QUIET = ['-hide_banner', '-loglevel', 'error'] as const;

/**
 * clip.mp4: the init segment and fragments (fed on stdin) remuxed without re-encoding, with the
 * captions (WebVTT, fed on fd 3) as a mov_text subtitle track (3GPP TS 26.245). Nothing touches disk.
 */
export async function remuxClip(
  ffmpeg: string,
  video: PipeInput,
  captionsVtt: string,
): Promise<{ ok: true; mp4: StreamedContent } | { ok: false; reason: string }> {
  const args = [
    ...QUIET,
    '-f',
    'mp4',
    '-i',
    'pipe:0',
    '-f',
    'webvtt',
    '-i',
    'pipe:3',
    '-map',
    '0:v:0',
    '-map',
    '1:s:0',
    '-c:v',
    'copy',
    '-copyinkf',
    '-c:s',
    'mov_text',
    '-metadata:s:s:0',
    'language=eng',
    '-metadata:s:s:0',
    'title=Agent Evidence tool calls',
    '-f',
    'mp4',
    '-movflags',
    'frag_keyframe+empty_moov',
    'pipe:1',
  ];
  const r = await ffmpegPipes(ffmpeg, args, { stdin: video, fd3: Buffer.from(captionsVtt, 'utf8') });
  if (r.code !== 0 || r.stdoutBytes === 0)
    return { ok: false, reason: `ffmpeg could not remux the video (exit ${String(r.code)}: ${lastLine(r.stderr)})` };
  // Archived from the pieces ffmpeg wrote: an hour's clip is hundreds of MB, never copied into one buffer.
  return { ok: true, mp4: { size: r.stdoutBytes, pieces: () => r.stdoutPieces } };
}

/**
 * The video packets of an MP4 as ffmpeg's framemd5 muxer lists them (ffmpeg-formats.html "framemd5"):
 * one line per packet with its timestamps, size and MD5, in stream copy so nothing is decoded. The
 * header lines (`#…`) are left out: they name the library version, not the content.
 */
export async function videoPacketDigests(
  ffmpeg: string,
  mp4: PipeInput,
): Promise<{ ok: true; packets: readonly string[] } | { ok: false; reason: string }> {
  const args = [
    ...QUIET,
    '-f',
    'mp4',
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-copyinkf',
    '-f',
    'framemd5',
    'pipe:1',
  ];
  const r = await ffmpegPipes(ffmpeg, args, { stdin: mp4 }, { maxOutputBytes: 512 * 1024 * 1024 });
  if (r.code !== 0)
    return { ok: false, reason: `ffmpeg cannot read it (exit ${String(r.code)}: ${lastLine(r.stderr)})` };
  const packets = r.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return { ok: true, packets };
}

function lastLine(s: string): string {
  return s.split('\n').at(-1)?.slice(0, 300) ?? '';
}
