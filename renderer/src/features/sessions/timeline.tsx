import { useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { clock, summaryOf } from './timeline-items.ts';
import type { TimelineItem } from './timeline-items.ts';

interface Props {
  readonly items: readonly TimelineItem[];
  readonly selected: string | null;
  /** Wall clock (ms) the offsets count from: the session's start. */
  readonly originMs: number;
  readonly onPick: (item: TimelineItem) => void;
}

/**
 * Prompts and tool calls in order, beneath the video. One Tab stop for the whole list (roving tabindex,
 * WAI-ARIA APG "Keyboard Navigation Inside Components"): arrow keys, Home and End move between rows,
 * Enter or Space (a native button's own keys) or a click seeks the video and the terminal to the row.
 */
export function Timeline({ items, selected, originMs, onPick }: Props) {
  const [active, setActive] = useState(0);
  const rows = useRef<(HTMLButtonElement | null)[]>([]);
  if (items.length === 0) return <p>No prompts or tool calls in this session.</p>;
  const current = Math.min(active, items.length - 1);

  const move = (to: number) => {
    const next = Math.max(0, Math.min(items.length - 1, to));
    setActive(next);
    rows.current[next]?.focus();
  };
  const onKey = (e: KeyboardEvent<HTMLOListElement>) => {
    const keys: Readonly<Record<string, number>> = {
      ArrowDown: current + 1,
      ArrowRight: current + 1,
      ArrowUp: current - 1,
      ArrowLeft: current - 1,
      Home: 0,
      End: items.length - 1,
      PageDown: current + 10,
      PageUp: current - 10,
    };
    const to = keys[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(to);
  };

  return (
    <ol
      className="timeline"
      aria-label="Timeline: prompts and tool calls (arrow keys move, Enter seeks)"
      onKeyDown={onKey}
    >
      {items.map((item, i) => {
        const at = Date.parse(item.event.receivedAt) - originMs;
        const label = item.kind === 'tool' ? item.call.toolName : 'Prompt';
        return (
          <li key={item.key} className={item.kind}>
            <button
              type="button"
              ref={(el) => {
                rows.current[i] = el;
              }}
              tabIndex={i === current ? 0 : -1}
              data-tool-use={item.kind === 'tool' ? item.call.toolUseId : undefined}
              data-event={item.event.id}
              aria-pressed={selected === item.key}
              onFocus={() => {
                setActive(i);
              }}
              onClick={() => {
                setActive(i);
                onPick(item);
              }}
            >
              <span className="tool">{label}</span>
              <span className="summary">{summaryOf(item)}</span>
              <span className="outcome">{item.kind === 'tool' ? outcomeText(item) : ''}</span>
              <span className="offset">
                {clock(at)}
                {item.event.pins.video === null && item.event.pins.terminal === null ? ' · no media' : ''}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function outcomeText(item: Extract<TimelineItem, { kind: 'tool' }>): string {
  const c = item.call;
  if (c.outcome === 'pending') return 'running';
  const d = c.durationMs === null ? '' : ` ${Math.round(c.durationMs)} ms`;
  return `${c.outcome === 'success' ? 'ok' : 'failed'}${d}`;
}
