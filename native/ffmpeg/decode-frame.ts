import { spawn } from 'node:child_process';
import { AevError } from '../../electron/common/errors.ts';
import { pngSize } from '../screen/png-encoder.ts';

export interface DecodedFrame {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE_LENGTH = 8;
const STDERR_TAIL = 2048;

/**
 * The picture on screen at presentation time `ptsMs` of a fragmented MP4 held in memory: the last frame
 * at or before it (with duplicates dropped, the frame on screen may be older than a frame interval), as
 * a full-resolution PNG. Nothing touches the disk: the video goes in on stdin, PNGs come out on stdout
 * (image2pipe), and only the last one is kept (PNG §5: chunks up to IEND delimit each image).
 */
export function decodeFrameAt(ffmpeg: string, mp4: Buffer, ptsMs: number, timeoutMs = 15_000): Promise<DecodedFrame> {
  const args = ['-hide_banner', '-loglevel', 'error', '-copyts', '-f', 'mp4', '-i', 'pipe:0'];
  args.push('-vf', `select='lte(t\\,${(ptsMs / 1000).toFixed(3)})'`, '-fps_mode', 'passthrough');
  args.push('-c:v', 'png', '-f', 'image2pipe', 'pipe:1');
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const splitter = new PngStreamSplitter();
    let last: Buffer | null = null;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      for (const png of splitter.push(chunk)) last = png;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.stdin.on('error', () => undefined); // ffmpeg may stop reading once it has what it needs
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new AevError('E_CAPTURE_UNAVAILABLE', `cannot run ${ffmpeg}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const size = last === null ? null : pngSize(last);
      if (last !== null && size !== null) {
        resolve({ png: last, ...size });
        return;
      }
      const why = signal !== null ? `killed (${signal})` : `exit ${String(code)}`;
      reject(
        new AevError(
          'E_MEDIA_FORMAT',
          `no frame at or before ${ptsMs} ms in the video (${why}: ${stderr.trim() || 'no output'})`,
        ),
      );
    });
    child.stdin.end(mp4);
  });
}

/** Cuts a stream of concatenated PNG files into whole files. */
class PngStreamSplitter {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const end = this.#endOfFirst();
      if (end === null) return out;
      out.push(this.#buffer.subarray(0, end));
      this.#buffer = this.#buffer.subarray(end);
    }
  }

  /** The length of the first whole PNG in the buffer, or null while it is incomplete. */
  #endOfFirst(): number | null {
    let at = PNG_SIGNATURE_LENGTH;
    const b = this.#buffer;
    while (at + 8 <= b.length) {
      const length = b.readUInt32BE(at);
      const type = b.toString('latin1', at + 4, at + 8);
      const next = at + 12 + length; // length, type, data, CRC
      if (next > b.length) return null;
      if (type === 'IEND') return next;
      at = next;
    }
    return null;
  }
}
