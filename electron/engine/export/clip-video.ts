import type { MediaDescriptor } from '../../common/model/media.ts';

/** A video item of the bundle, from its descriptor (no bytes). */
export interface VideoItem {
  readonly sessionId: string;
  readonly seq: number;
  readonly kind: 'video-init' | 'video-fragment';
  readonly object: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Fragments: the init segment's media seq, presentation time, first sample a sync sample. */
  readonly init: number | null;
  readonly ptsMs: number | null;
  readonly keyframe: boolean;
}

/** What clip.mp4 is made of: one init segment and a run of its fragments, starting on a keyframe. */
export interface ClipVideoPlan {
  readonly sessionId: string;
  readonly init: VideoItem;
  readonly fragments: readonly VideoItem[];
}

export function videoItem(d: MediaDescriptor): VideoItem | null {
  if (d.kind !== 'video-init' && d.kind !== 'video-fragment') return null;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    sessionId: d.sessionId,
    seq: d.seq,
    kind: d.kind,
    object: d.object,
    sha256: d.sha256,
    bytes: d.bytes,
    startMs: Date.parse(d.start),
    endMs: Date.parse(d.end),
    init: num(d.info.init),
    ptsMs: num(d.info.ptsMs),
    keyframe: d.info.keyframe === true,
  };
}

/**
 * Chooses the video clip.mp4 holds. An MP4 has one init segment, so the candidates are runs of
 * consecutive fragments (by media seq) of one screen session and one init segment (an ffmpeg restart
 * starts a new one; a window outside the range, exported only for its init segment, breaks a run). The
 * run with the most fragments overlapping the range wins, the earliest on a tie. It starts at its first
 * keyframe: fragments before it could not be decoded (they stay in the bundle, sealed, as always).
 */
export function planClipVideo(
  items: readonly VideoItem[],
  range: { readonly fromMs: number; readonly toMs: number },
): ClipVideoPlan | null {
  const inits = new Map(items.filter((i) => i.kind === 'video-init').map((i) => [`${i.sessionId}/${i.seq}`, i]));
  const fragments = items
    .filter((i) => i.kind === 'video-fragment' && i.init !== null && i.ptsMs !== null)
    .sort((a, b) => (a.sessionId === b.sessionId ? a.seq - b.seq : a.startMs - b.startMs));
  const runs: VideoItem[][] = [];
  for (const f of fragments) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run !== undefined && last?.sessionId === f.sessionId && last.init === f.init && last.seq + 1 === f.seq)
      run.push(f);
    else runs.push([f]);
  }
  let best: ClipVideoPlan | null = null;
  let bestScore = 0;
  for (const run of runs) {
    const start = run.findIndex((f) => f.keyframe);
    const head = run[start];
    const init = head === undefined ? undefined : inits.get(`${head.sessionId}/${String(head.init)}`);
    if (head === undefined || init === undefined) continue;
    const kept = run.slice(start);
    const score = kept.filter((f) => f.startMs < range.toMs && f.endMs > range.fromMs).length;
    if (score > bestScore) {
      best = { sessionId: head.sessionId, init, fragments: kept };
      bestScore = score;
    }
  }
  return best;
}

/**
 * The clip time (ms from the clip's first frame) showing wall-clock time `t`, the way the event pinner
 * does it (electron/engine/index/event-pinner.ts): the newest fragment that began at or before `t` and
 * ended less than a second before it (variable frame rate holds the last frame), its presentation time
 * plus the time since it began; minus the clip's first presentation time, since ffmpeg starts the
 * remuxed clip at zero. Null when the clip does not show `t`.
 */
export function clipTimeAt(plan: ClipVideoPlan, t: number): number | null {
  const first = plan.fragments[0]?.ptsMs ?? 0;
  let at: VideoItem | undefined;
  for (const f of plan.fragments) if (f.startMs <= t && f.endMs + 1000 >= t) at = f;
  if (at?.ptsMs == null) return null;
  return Math.max(0, Math.round(at.ptsMs + (t - at.startMs) - first));
}

/** The clip's length in ms (last fragment's end, on the clip's timeline). */
export function clipDurationMs(plan: ClipVideoPlan): number {
  const first = plan.fragments[0];
  const last = plan.fragments.at(-1);
  if (first?.ptsMs == null || last?.ptsMs == null) return 0;
  return Math.round(last.ptsMs - first.ptsMs + (last.endMs - last.startMs));
}
