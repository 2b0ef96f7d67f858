import type { SessionEventView } from '../../../../electron/common/ipc/app-api.ts';
import type { ToolCall } from '../../../../electron/common/model/event.ts';

interface Props {
  readonly call: ToolCall | null;
  readonly events: readonly SessionEventView[];
}

/** The selected tool call: its outcome and timing, then each of its events with pins and payload. */
export function EventDetails({ call, events }: Props) {
  if (call === null) return <aside aria-label="Event details">Pick a tool call to see its details.</aside>;
  const own = events.filter((e) => e.id === call.preEventId || e.id === call.postEventId);
  return (
    <aside aria-label="Event details" className="details">
      <h2>
        {call.toolName} <small>{call.toolUseId}</small>
      </h2>
      <dl>
        <dt>Outcome</dt>
        <dd>{call.outcome}</dd>
        <dt>Duration</dt>
        <dd>{call.durationMs === null ? '—' : `${call.durationMs} ms`}</dd>
      </dl>
      {own.map((e) => (
        <section key={e.id}>
          <h3>
            #{e.seq} {e.kind}
          </h3>
          <dl>
            <dt>Received</dt>
            <dd>
              <time dateTime={e.receivedAt}>{e.receivedAt}</time>
            </dd>
            <dt>Sealed in window</dt>
            <dd>{e.pins.window ?? 'not yet'}</dd>
            <dt>Video</dt>
            <dd>{e.pins.video === null ? '—' : `${e.pins.video.recording} at ${e.pins.video.offsetMs} ms`}</dd>
            <dt>Digest</dt>
            <dd>
              <code>{e.digest}</code>
            </dd>
          </dl>
          {'payload' in e && <pre>{JSON.stringify(e.payload, null, 2)}</pre>}
        </section>
      ))}
    </aside>
  );
}
