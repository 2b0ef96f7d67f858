import type { SessionEventView } from '../../../../electron/common/ipc/app-api.ts';
import type { ToolCall } from '../../../../electron/common/model/event.ts';

/** A row of the timeline: a prompt the user gave, or a tool call the agent made. */
export type TimelineItem =
  | { readonly kind: 'prompt'; readonly key: string; readonly event: SessionEventView }
  | {
      readonly kind: 'tool';
      readonly key: string;
      readonly call: ToolCall;
      /** The PreToolUse event (or the Post one when the Pre was not recorded). */
      readonly event: SessionEventView;
    };

const PROMPT_KINDS = new Set(['UserPromptSubmit']);

/** Prompts and tool calls in the order the engine received them. */
export function timelineItems(events: readonly SessionEventView[], calls: readonly ToolCall[]): TimelineItem[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const items: TimelineItem[] = [];
  for (const call of calls) {
    const event = byId.get(call.preEventId ?? '') ?? byId.get(call.postEventId ?? '');
    if (event !== undefined) items.push({ kind: 'tool', key: `tool:${call.toolUseId}`, call, event });
  }
  for (const e of events) if (PROMPT_KINDS.has(e.kind)) items.push({ kind: 'prompt', key: `prompt:${e.id}`, event: e });
  return items.sort((a, b) => a.event.seq - b.event.seq);
}

/** The first text a person would recognise a tool call or prompt by: a command, a path, the prompt. */
export function summaryOf(item: TimelineItem, max = 80): string {
  const payload = 'payload' in item.event ? item.event.payload : null;
  let text = '';
  if (item.kind === 'prompt') text = typeof payload?.prompt === 'string' ? payload.prompt : '';
  else {
    const input = payload?.tool_input;
    if (typeof input === 'object' && input !== null) {
      const first = Object.values(input).find((v): v is string => typeof v === 'string');
      text = first ?? '';
    }
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** m:ss.mmm of a duration in milliseconds. */
export function clock(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const s = Math.floor(whole / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}.${String(whole % 1000).padStart(3, '0')}`;
}
