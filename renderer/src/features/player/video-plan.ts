import type { VideoIndex } from '../../../../electron/common/protocol/control-answers.ts';

/** How much video one `readVideo` asks for: small enough to start fast, large enough to play on. */
export const CHUNK_MS = 20_000;

/** One ffmpeg run of the recording: wall-clock span, and the wall clock of its presentation time 0. */
export interface Span {
  readonly init: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly anchorMs: number;
}

/**
 * The player's timeline: video time 0 is presentation time 0 of the recording's first run, and every
 * later run (a new init segment after an ffmpeg restart, its own presentation times from 0) is placed
 * by wall clock, so video time and wall clock map one to one across the whole recording.
 */
export interface VideoPlan {
  readonly recording: string;
  readonly originMs: number;
  readonly spans: readonly Span[];
  readonly durationS: number;
}

export interface Chunk {
  /** Identifies the chunk: loaded once. */
  readonly key: string;
  readonly span: Span;
  readonly fromMs: number;
  readonly toMs: number;
  /** SourceBuffer.timestampOffset for this run (W3C MSE §3.1): where its time 0 sits on the player's timeline. */
  readonly offsetS: number;
  /** The last chunk of the recording. */
  readonly last: boolean;
}

export function videoPlan(index: VideoIndex): VideoPlan | null {
  const spans = index.inits.map((s) => {
    const startMs = Date.parse(s.start);
    return { init: s.init, startMs, endMs: Date.parse(s.end), anchorMs: startMs - s.startPtsMs };
  });
  const first = spans[0];
  const lastSpan = spans.at(-1);
  if (first === undefined || lastSpan === undefined) return null;
  const originMs = first.anchorMs;
  return { recording: index.recording, originMs, spans, durationS: (lastSpan.endMs - originMs) / 1000 };
}

export function wallAt(plan: VideoPlan, videoS: number): number {
  return plan.originMs + videoS * 1000;
}

export function videoTimeAt(plan: VideoPlan, wallMs: number): number {
  return (wallMs - plan.originMs) / 1000;
}

/** The chunk holding wall-clock time `wallMs`, or null when it falls outside every run (a gap). */
export function chunkAt(plan: VideoPlan, wallMs: number): Chunk | null {
  const spans = plan.spans;
  const at = spans.findIndex((s) => wallMs >= s.startMs && wallMs <= s.endMs);
  const span = spans[at];
  if (span === undefined) return null;
  const i = Math.max(0, Math.floor((wallMs - span.startMs) / CHUNK_MS));
  const fromMs = span.startMs + i * CHUNK_MS;
  // `to` is exclusive on fragment starts: one past the run's end takes its last fragment.
  const toMs = Math.min(fromMs + CHUNK_MS, span.endMs + 1);
  return {
    key: `${span.init}:${i}`,
    span,
    fromMs,
    toMs,
    offsetS: (span.anchorMs - plan.originMs) / 1000,
    last: at === spans.length - 1 && toMs > span.endMs,
  };
}

/** The first run starting after `wallMs` (where playback continues across a capture gap). */
export function spanAfter(plan: VideoPlan, wallMs: number): Span | null {
  return plan.spans.find((s) => s.startMs > wallMs) ?? null;
}
