import type { JobView } from '../../../../electron/common/ipc/app-views.ts';

interface Props {
  readonly view: JobView | null;
  readonly error: string | null;
  readonly onVerify: (path: string) => void;
}

/** The export's progress lines while it runs, then what was written (or why not). */
export function ExportResult({ view, error, onVerify }: Props) {
  if (error !== null) return <p role="alert">{error}</p>;
  if (view === null) return <p role="status">Starting the export…</p>;
  const r = view.exported;
  return (
    <section aria-label="Export progress" className="job">
      <p role="status">
        {view.state === 'running' ? 'Exporting…' : view.state === 'done' ? 'Bundle written.' : 'The export failed.'}
      </p>
      <ol className="messages" aria-label="Progress">
        {view.messages.map((m, i) => (
          <li key={i}>{m}</li>
        ))}
      </ol>
      {view.error !== null && (
        <p role="alert" className="error">
          {view.error.message} [{view.error.code}]
        </p>
      )}
      {r !== null && (
        <div className="result" data-bundle={r.out}>
          <dl>
            <dt>File</dt>
            <dd>
              <code>{r.out}</code>
            </dd>
            <dt>Size</dt>
            <dd>{r.bytes.toLocaleString()} bytes</dd>
            <dt>Encryption</dt>
            <dd>{r.encrypted ? 'age, to the recipients given' : 'NONE (plain)'}</dd>
            <dt>Range</dt>
            <dd>
              {r.range.from} → {r.range.to}
            </dd>
            <dt>Sessions</dt>
            <dd>
              <ul>
                {r.sessions.map((s) => (
                  <li key={s.sessionId}>
                    {s.kind} {s.sessionId}: {s.windows} window(s), {s.events} event(s), {s.media} media item(s),{' '}
                    {s.withheld} withheld, {s.tokens} time-stamp token(s)
                  </li>
                ))}
              </ul>
            </dd>
          </dl>
          {r.uncovered.length > 0 && (
            <p className="warning">
              {r.uncovered.length} record(s) were not yet time-stamped when exported; verification reports them.
            </p>
          )}
          {r.clipNote !== null && <p>No playable clip in the bundle: {r.clipNote}</p>}
          <button
            type="button"
            onClick={() => {
              onVerify(r.out);
            }}
          >
            Verify this bundle
          </button>
        </div>
      )}
    </section>
  );
}
