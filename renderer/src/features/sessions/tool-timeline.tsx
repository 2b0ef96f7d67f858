import type { SessionEventView } from '../../../../electron/common/ipc/app-api.ts';
import type { ToolCall } from '../../../../electron/common/model/event.ts';

export interface TimelineItem {
  readonly call: ToolCall;
  /** The PreToolUse event (or the Post one when the Pre was not recorded). */
  readonly event: SessionEventView;
}

interface Props {
  readonly items: readonly TimelineItem[];
  readonly selected: string | null;
  readonly onPick: (item: TimelineItem) => void;
}

/** Tool calls in order, each a button: a click or Enter (native button behaviour) seeks the video to it. */
export function ToolTimeline({ items, selected, onPick }: Props) {
  if (items.length === 0) return <p>No tool calls in this session.</p>;
  return (
    <ol className="timeline" aria-label="Tool calls">
      {items.map((item) => {
        const offset = item.event.pins.video?.offsetMs;
        return (
          <li key={item.call.toolUseId}>
            <button
              type="button"
              data-tool-use={item.call.toolUseId}
              data-offset-ms={offset ?? ''}
              aria-pressed={selected === item.call.toolUseId}
              onClick={() => {
                onPick(item);
              }}
            >
              <span className="tool">{item.call.toolName}</span>
              <span className="summary">{commandOf(item.event)}</span>
              <span className="offset">{offset === undefined ? 'no video' : clock(offset)}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

export function timelineItems(events: readonly SessionEventView[], calls: readonly ToolCall[]): TimelineItem[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const items: TimelineItem[] = [];
  for (const call of calls) {
    const event = byId.get(call.preEventId ?? '') ?? byId.get(call.postEventId ?? '');
    if (event !== undefined) items.push({ call, event });
  }
  return items.sort((a, b) => a.event.seq - b.event.seq);
}

function commandOf(event: SessionEventView): string {
  if (!('payload' in event)) return '';
  const input = event.payload.tool_input;
  if (typeof input !== 'object' || input === null) return '';
  const first = Object.values(input).find((v): v is string => typeof v === 'string');
  return first === undefined ? '' : first.length > 80 ? `${first.slice(0, 79)}…` : first;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}
