import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { PacketDigests } from './streamed-digests.ts';

/** A piece of input and what to call once ffmpeg's pipe has taken it (or it was dropped). */
export interface LentPiece {
  readonly piece: Buffer;
  readonly done: () => void;
}

// The same run as export/clip-remux.ts videoPacketDigests (ffmpeg-formats.html "framemd5": one line per
// video packet, in stream copy so nothing is decoded), fed from pieces whose memory is reused once written.
const ARGS = '-hide_banner -loglevel error -f mp4 -i pipe:0 -map 0:v:0 -c copy -copyinkf -f framemd5 pipe:1';
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const TIMEOUT_MS = 10 * 60_000;
const STDERR_TAIL = 4096;

/**
 * ffmpeg's packet digests of an MP4 written to its stdin piece by piece, each piece's `done` called once
 * the pipe has taken its bytes (a write's callback), so the reader can reuse that memory while ffmpeg
 * works. Same result as videoPacketDigests for the same bytes. Rejects when ffmpeg cannot start, or when
 * `pieces` throws (the input is incomplete: ffmpeg is killed, its answer never used).
 */
export async function framemd5OfLentPieces(ffmpeg: string, pieces: AsyncIterable<LentPiece>): Promise<PacketDigests> {
  const child = spawn(ffmpeg, ARGS.split(' '), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  const out: Buffer[] = [];
  let outBytes = 0;
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  child.stdout.on('data', (chunk: Buffer) => {
    outBytes += chunk.length;
    if (outBytes > MAX_OUTPUT_BYTES) child.kill('SIGKILL');
    else out.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  closed.catch(() => undefined); // observed below, after the input
  // ffmpeg may stop reading early (EPIPE): that is its answer, read from its exit code, not ours.
  child.stdin.on('error', () => undefined);
  let code: number | null;
  try {
    try {
      for await (const { piece, done } of pieces) {
        if (child.stdin.destroyed) {
          done();
          continue;
        }
        // The callback comes with or without an error: either way the pipe no longer needs the bytes.
        const more = child.stdin.write(piece, () => {
          done();
        });
        if (!more) await Promise.race([once(child.stdin, 'drain').catch(() => undefined), closed]);
      }
      child.stdin.end();
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    code = await closed;
  } finally {
    clearTimeout(timer);
  }
  if (code !== 0)
    return { ok: false, reason: `ffmpeg cannot read it (exit ${String(code)}: ${lastLine(stderr.trim())})` };
  const lines = Buffer.concat(out).toString('utf8').split('\n');
  return { ok: true, packets: lines.filter((l) => l.trim() !== '' && !l.startsWith('#')) };
}

function lastLine(s: string): string {
  return s.split('\n').at(-1)?.slice(0, 300) ?? '';
}
