import type { Database } from 'better-sqlite3';
import { decodeFrameAt } from '../../../native/ffmpeg/decode-frame.ts';
import type { DecodedFrame } from '../../../native/ffmpeg/decode-frame.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EventPinner } from '../index/event-pinner.ts';
import type { MediaStore } from './media-store.ts';
import { readVideo } from './video-reader.ts';

// Fragments reach the vault about a second after their frames (fMP4 fragments are one second long).
const WAIT_FOR_VIDEO_MS = 5000;
const POLL_MS = 100;

/**
 * The still a tool call gets when no grab is possible (DESIGN.md §4: "when that is unavailable, a frame
 * decoded from the video"): waits until the screen recording holds video past `atMs`, then decodes the
 * frame on screen at that moment from the decrypted fragments, in memory. Null when nothing recorded it.
 */
export async function frameFromRecording(
  deps: { db: Database; media: MediaStore; pinner: EventPinner; clock: Clock; ffmpeg: () => string | null },
  atMs: number,
): Promise<DecodedFrame | null> {
  const ffmpeg = deps.ffmpeg();
  if (ffmpeg === null) return null;
  const latest = deps.db.prepare<[], { end: number | null }>(
    "SELECT MAX(m.end_ms) AS end FROM media m JOIN sessions s ON s.id = m.session_id WHERE s.kind = 'screen' AND m.kind = 'video-fragment'",
  );
  const deadline = deps.clock.now() + WAIT_FOR_VIDEO_MS;
  while ((latest.get()?.end ?? -Infinity) < atMs) {
    if (deps.clock.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const pin = deps.pinner.videoAt(atMs);
  if (pin === null) return null;
  const range = readVideo(deps.db, deps.media, pin.recording, atMs - 1, atMs + 1);
  const parts: Buffer[] = [];
  for await (const chunk of range.chunks()) parts.push(chunk);
  return decodeFrameAt(ffmpeg, Buffer.concat(parts), pin.offsetMs);
}
