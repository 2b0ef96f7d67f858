import { parseStoredEvent } from '../ingest/stored-event.ts';

/** One exported agent event as people read it (captions, report.html). Everything here is untrusted. */
export interface ClipEvent {
  readonly seq: number;
  /** Wall-clock receive time (ms since the epoch), as the index holds it. */
  readonly atMs: number;
  /** The hook event name (`PreToolUse`…), as the agent sent it. */
  readonly kind: string;
  readonly toolName: string | null;
  readonly toolUseId: string | null;
  /** A one-line summary of tool_input, at most SUMMARY_MAX characters; '' when there is none. */
  readonly summary: string;
  readonly command: string | null;
  readonly filePath: string | null;
}

/** A PreToolUse paired with its PostToolUse / PostToolUseFailure by tool_use_id. */
export interface ClipToolCall {
  readonly toolUseId: string;
  readonly toolName: string;
  readonly summary: string;
  readonly pre: ClipEvent | null;
  readonly post: ClipEvent | null;
  readonly durationMs: number | null;
  readonly outcome: 'pending' | 'success' | 'failure';
}

export const SUMMARY_MAX = 80;

const SEGMENTER = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The tool_input fields that say best what a call did, in the order they are tried. */
const SUMMARY_FIELDS = ['command', 'file_path', 'path', 'notebook_path', 'pattern', 'url', 'query', 'description'];

/** An event's stored bytes → what captions and the report show; null when they are not an event we can read. */
export function clipEvent(plain: Buffer, atMs: number): ClipEvent | null {
  let payload: Record<string, unknown>;
  let seq: number;
  try {
    const stored = parseStoredEvent(plain);
    payload = stored.payload;
    seq = stored.meta.seq;
  } catch {
    return null;
  }
  const input = payload.tool_input;
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  return {
    seq,
    atMs,
    kind: text(payload.hook_event_name) ?? 'event',
    toolName: text(payload.tool_name),
    toolUseId: text(payload.tool_use_id),
    summary: summarizeToolInput(input),
    command: text(fields.command),
    filePath: text(fields.file_path) ?? text(fields.notebook_path) ?? text(fields.path),
  };
}

/** `npm test`, `/src/a.ts`… : the most telling field of tool_input on one line, else its compact JSON. */
export function summarizeToolInput(input: unknown): string {
  if (input === undefined || input === null) return '';
  if (typeof input === 'object' && !Array.isArray(input)) {
    const fields = input as Record<string, unknown>;
    for (const f of SUMMARY_FIELDS) {
      const v = fields[f];
      if (typeof v === 'string' && v.trim() !== '') return oneLine(v);
    }
    if (Object.keys(fields).length === 0) return '';
  }
  let json: unknown;
  try {
    json = JSON.stringify(input);
  } catch {
    json = undefined; // a BigInt or a cycle: not from a JSON payload
  }
  // undefined too for a function or symbol, which JSON has no form for.
  return typeof json === 'string' ? oneLine(json) : '';
}

/** Control characters and line breaks become spaces (a caption line or table cell stays one line); cut with an ellipsis. */
export function oneLine(s: string, max = SUMMARY_MAX): string {
  // eslint-disable-next-line no-control-regex -- C0, DEL and C1 controls, U+2028/2029 line separators
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  // Cut between graphemes (UAX #29), so an emoji or a combining accent is never split.
  const graphemes = Array.from(SEGMENTER.segment(flat), (g) => g.segment);
  return graphemes.length <= max ? flat : `${graphemes.slice(0, max - 1).join('')}…`;
}

/** Pre/Post pairs by tool_use_id, in the order the calls started. */
export function pairToolCalls(events: readonly ClipEvent[]): ClipToolCall[] {
  const calls = new Map<string, { pre: ClipEvent | null; post: ClipEvent | null; name: string; summary: string }>();
  for (const e of events) {
    if (e.toolUseId === null || !/^(Pre|Post)ToolUse/.test(e.kind)) continue;
    const c = calls.get(e.toolUseId) ?? { pre: null, post: null, name: e.toolName ?? '?', summary: e.summary };
    if (e.kind === 'PreToolUse') c.pre ??= e;
    else c.post ??= e;
    if (c.summary === '') c.summary = e.summary;
    calls.set(e.toolUseId, c);
  }
  return [...calls.entries()]
    .map(([toolUseId, c]) => ({
      toolUseId,
      toolName: c.name,
      summary: c.summary,
      pre: c.pre,
      post: c.post,
      durationMs: c.pre !== null && c.post !== null ? c.post.atMs - c.pre.atMs : null,
      outcome:
        c.post === null
          ? ('pending' as const)
          : c.post.kind === 'PostToolUseFailure'
            ? ('failure' as const)
            : ('success' as const),
    }))
    .sort((a, b) => startOf(a) - startOf(b));
}

function startOf(c: ClipToolCall): number {
  return c.pre?.atMs ?? c.post?.atMs ?? 0;
}

/** `14:02:11`: the UTC wall-clock time of a moment (captions say UTC once, in their title). */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
