import type { AppApi, SessionEventView } from '../../../../electron/common/ipc/app-api.ts';
import type { SessionWindows } from '../../../../electron/common/protocol/control-answers.ts';
import { WindowBadgeView } from './seal-badges.tsx';
import { StillImage } from './still-image.tsx';
import type { TimelineItem } from './timeline-items.ts';

interface Props {
  readonly api: AppApi;
  readonly item: TimelineItem | null;
  readonly events: readonly SessionEventView[];
  readonly windows: SessionWindows | null;
}

/**
 * The selected row: for a tool call its input, output, duration and the screen before and after it;
 * for a prompt its text; for each event, the window that sealed it and that window's standing.
 */
export function EventDetails({ api, item, events, windows }: Props) {
  if (item === null)
    return (
      <aside aria-label="Event details" className="details">
        <p>Pick a prompt or tool call in the timeline to see its details.</p>
      </aside>
    );
  const byId = new Map(events.map((e) => [e.id, e]));
  const pre = item.kind === 'tool' ? byId.get(item.call.preEventId ?? '') : item.event;
  const post = item.kind === 'tool' ? byId.get(item.call.postEventId ?? '') : undefined;
  const input = payloadField(pre, item.kind === 'tool' ? 'tool_input' : 'prompt');
  const output = post === undefined ? undefined : (payloadField(post, 'tool_response') ?? payloadField(post, 'error'));
  return (
    <aside aria-label="Event details" className="details">
      <h2>
        {item.kind === 'tool' ? item.call.toolName : 'Prompt'}{' '}
        {item.kind === 'tool' && <small>{item.call.toolUseId}</small>}
      </h2>
      {item.kind === 'tool' && (
        <dl>
          <dt>Outcome</dt>
          <dd>{item.call.outcome}</dd>
          <dt>Duration</dt>
          <dd>{item.call.durationMs === null ? '—' : `${Math.round(item.call.durationMs)} ms`}</dd>
          <dt>Started</dt>
          <dd>{timeOf(item.call.startedAt)}</dd>
          <dt>Ended</dt>
          <dd>{timeOf(item.call.endedAt)}</dd>
        </dl>
      )}
      <section aria-label="Input">
        <h3>{item.kind === 'tool' ? 'Input' : 'Prompt'}</h3>
        {input === undefined ? <p>Not recorded.</p> : <pre>{text(input)}</pre>}
      </section>
      {item.kind === 'tool' && (
        <section aria-label="Output">
          <h3>Output</h3>
          {output === undefined ? (
            <p>{post === undefined ? 'No PostToolUse yet.' : 'Not recorded.'}</p>
          ) : (
            <pre>{text(output)}</pre>
          )}
        </section>
      )}
      {item.kind === 'tool' && (
        <section aria-label="Screen before and after" className="stills">
          <h3>Screen</h3>
          {pre === undefined ? (
            <p>No PreToolUse event.</p>
          ) : (
            <StillImage api={api} session={pre.sessionId} event={pre.seq} label="Before" />
          )}
          {post === undefined ? (
            <p>No PostToolUse event.</p>
          ) : (
            <StillImage api={api} session={post.sessionId} event={post.seq} label="After" />
          )}
        </section>
      )}
      {[pre, post].map((e) => (e === undefined ? null : <EventFacts key={e.id} event={e} windows={windows} />))}
    </aside>
  );
}

function EventFacts({ event, windows }: { readonly event: SessionEventView; readonly windows: SessionWindows | null }) {
  const badge = windows?.windows.find((w) => w.seq === event.pins.window);
  return (
    <details>
      <summary>
        #{event.seq} {event.kind}:{' '}
        {badge === undefined ? 'not sealed yet (open window)' : <WindowBadgeView badge={badge} />}
      </summary>
      <dl>
        <dt>Received</dt>
        <dd>
          <time dateTime={event.receivedAt}>{event.receivedAt}</time>
        </dd>
        <dt>Video</dt>
        <dd>{event.pins.video === null ? '—' : `${event.pins.video.recording} at ${event.pins.video.offsetMs} ms`}</dd>
        <dt>Terminal</dt>
        <dd>
          {event.pins.terminal === null
            ? '—'
            : `${event.pins.terminal.session} at ${event.pins.terminal.atSeconds.toFixed(3)} s`}
        </dd>
        <dt>Digest</dt>
        <dd>
          <code>{event.digest}</code>
        </dd>
      </dl>
    </details>
  );
}

function payloadField(e: SessionEventView | undefined, name: string): unknown {
  if (e === undefined || !('payload' in e)) return undefined;
  return e.payload[name];
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

function timeOf(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleTimeString();
}
