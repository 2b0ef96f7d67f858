import type { ClipEvent } from './clip-events.ts';
import { clockTime } from './clip-events.ts';

/** One caption: clip times in ms, and its lines (one per event). */
export interface Cue {
  readonly startMs: number;
  readonly endMs: number;
  readonly lines: readonly string[];
}

/** How long a tool call's caption stays up unless the next one replaces it. */
const CUE_MS = 4000;
const TITLE_MS = 3000;

/** `14:02:11 PreToolUse Bash: npm test` */
export function captionLine(e: ClipEvent): string {
  const tool = e.toolName === null ? '' : ` ${e.toolName}`;
  return `${clockTime(e.atMs)} ${e.kind}${tool}${e.summary === '' ? '' : `: ${e.summary}`}`;
}

/**
 * Captions narrating each event at its clip time: events at the same time share a cue, a cue lasts until
 * the next one (at most 4 s, never past the clip's end), and cues never overlap (mov_text shows one sample at a time). A title cue
 * opens the clip at 0, which also anchors the subtitle input at zero for ffmpeg (it shifts every input
 * to start at zero unless told otherwise, so a first cue at 5 s would otherwise move to 0).
 */
export function buildCues(
  title: string,
  timed: readonly { readonly atMs: number; readonly line: string }[],
  durationMs = Infinity,
): Cue[] {
  const groups: { startMs: number; lines: string[] }[] = [];
  const inClip = timed.filter((t) => t.atMs < durationMs).sort((a, b) => a.atMs - b.atMs);
  for (const t of inClip) {
    const g = groups.at(-1);
    if (g?.startMs === t.atMs) g.lines.push(t.line);
    else groups.push({ startMs: t.atMs, lines: [t.line] });
  }
  const first = groups[0];
  if (first === undefined || first.startMs > 0) groups.unshift({ startMs: 0, lines: [title] });
  else first.lines.unshift(title);
  return groups.map((g, i) => {
    const next = groups[i + 1]?.startMs ?? Infinity;
    const end = Math.min(g.startMs + (i === 0 ? TITLE_MS : CUE_MS), next, durationMs);
    return { startMs: g.startMs, endMs: Math.max(end, g.startMs + 1), lines: g.lines };
  });
}

/** WebVTT (W3C WebVTT §4): `&`, `<` and `>` escaped in cue text, so no line can open a tag or read as `-->`. */
export function renderWebVtt(cues: readonly Cue[]): string {
  const blocks = cues.map(
    (c, i) => `${i + 1}\n${vttTime(c.startMs)} --> ${vttTime(c.endMs)}\n${c.lines.map(escapeCueText).join('\n')}\n`,
  );
  return `WEBVTT\n\n${blocks.join('\n')}`;
}

export function escapeCueText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function vttTime(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(t % 1000, 3)}`;
}
