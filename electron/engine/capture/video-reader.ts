import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import { assertNotPurged } from '../retention/purged-session.ts';
import type { MediaStore } from './media-store.ts';

interface FragmentRow {
  seq: number;
  start_ms: number;
  end_ms: number;
  descriptor: Buffer;
}

interface FragmentInfo {
  init: number;
  keyframe: boolean;
  ptsMs?: number;
}

/** A playable piece of a screen recording: one init segment and the fragments after it. */
export interface VideoRange {
  readonly recording: string;
  /** Media seq of the init segment (a new one follows every ffmpeg restart). */
  readonly init: number;
  /** Wall clock of the first fragment returned, and its presentation time in the video. */
  readonly startMs: number;
  readonly startPtsMs: number;
  readonly endMs: number;
  readonly fragments: number;
  /** Decrypted init segment, then fragments: concatenated, a playable fragmented MP4. */
  chunks(): AsyncGenerator<Buffer>;
}

/**
 * Decrypted, playable fMP4 for a time range of a screen recording (for the player and export): the
 * init segment, then fragments from the keyframe at or before `fromMs` up to `toMs`. Every piece is
 * checked against its sealed SHA-256 as it is read. A range that crosses an ffmpeg restart ends at the
 * restart (a file cannot switch init segments); ask again from there for the rest.
 */
export function readVideo(
  db: Database,
  media: MediaStore,
  recording: string,
  fromMs: number,
  toMs: number,
): VideoRange {
  if (!(toMs > fromMs)) throw new AevError('E_USAGE', 'the video range must end after it starts');
  // Before any fragment is read: a purged recording answers E_PURGED, not a missing object (docs/retention.md).
  assertNotPurged(db, recording, 'played back (its screen recording)');
  const rows = db
    .prepare<[string], FragmentRow>(
      "SELECT seq, start_ms, end_ms, descriptor FROM media WHERE session_id = ? AND kind = 'video-fragment' ORDER BY seq",
    )
    .all(recording);
  if (rows.length === 0) throw new AevError('E_NOT_FOUND', `no video in ${recording}`);
  const fragments = rows.map((r) => ({
    ...r,
    info: (JSON.parse(r.descriptor.toString('utf8')) as { info: FragmentInfo }).info,
  }));
  // The last keyframe fragment starting at or before fromMs, else the first keyframe after it.
  let first = -1;
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i];
    if (f === undefined || !f.info.keyframe) continue;
    if (f.start_ms <= fromMs || first === -1) first = i;
    if (f.start_ms > fromMs) break;
  }
  const head = fragments[first];
  if (head === undefined || head.start_ms >= toMs)
    throw new AevError('E_NOT_FOUND', `no video in ${recording} between ${iso(fromMs)} and ${iso(toMs)}`);
  const picked = [head];
  for (const f of fragments.slice(first + 1)) {
    if (f.start_ms >= toMs || f.info.init !== head.info.init) break;
    picked.push(f);
  }
  const init = head.info.init;
  return {
    recording,
    init,
    startMs: head.start_ms,
    startPtsMs: head.info.ptsMs ?? 0,
    endMs: picked.at(-1)?.end_ms ?? head.end_ms,
    fragments: picked.length,
    async *chunks() {
      yield (await media.read(recording, init)).bytes;
      for (const f of picked) yield (await media.read(recording, f.seq)).bytes;
    },
  };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
