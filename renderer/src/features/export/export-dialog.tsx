import { useEffect, useId, useRef, useState } from 'react';
import type { AppApi, SessionDetailView } from '../../../../electron/common/ipc/app-api.ts';
import { useJob } from '../jobs/use-job.ts';
import { summaryOf } from '../sessions/timeline-items.ts';
import type { TimelineItem } from '../sessions/timeline-items.ts';
import { bundleName, exportRequest } from './export-form.ts';
import type { ExportForm } from './export-form.ts';
import { ExportResult } from './export-result.tsx';

interface Props {
  readonly api: AppApi;
  readonly detail: SessionDetailView;
  readonly items: readonly TimelineItem[];
  /** The row selected in the timeline: the range starts and ends there unless changed. */
  readonly selected: TimelineItem | null;
  /** Wall clock (ms) of the video's current position, when there is a video. */
  readonly videoWallMs: () => number | null;
  readonly onVerify: (path: string) => void;
  readonly onClose: () => void;
}

/**
 * Exports whole sealed windows of the session as an evidence bundle (DESIGN.md §6): a range picked by
 * tool calls on the timeline or by time (the video's position can fill either end), recipients, events
 * to withhold, and — only when the user says so, with a warning — no encryption. A modal <dialog>:
 * focus stays inside, Escape closes it.
 */
export function ExportDialog({ api, detail, items, selected, videoWallMs, onVerify, onClose }: Props) {
  const ref = useRef<HTMLDialogElement | null>(null);
  const tools = items.filter((i): i is Extract<TimelineItem, { kind: 'tool' }> => i.kind === 'tool');
  const s = detail.session;
  const pickedTool = selected?.kind === 'tool' ? selected.call.toolUseId : null;
  const [dir, setDir] = useState<string | null>(null);
  const [outEdited, setOutEdited] = useState(false);
  const [form, setForm] = useState<ExportForm>({
    mode: tools.length > 0 ? 'tool' : 'time',
    fromTool: pickedTool ?? tools[0]?.call.toolUseId ?? '',
    toTool: pickedTool ?? tools.at(-1)?.call.toolUseId ?? '',
    from: s.startedAt,
    to: s.endedAt ?? s.lastEventAt,
    recipients: '',
    plain: false,
    withhold: [],
    out: '',
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [job, setJob] = useState<string | null>(null);
  const { view, error } = useJob(api, job);
  const ids = useId();

  useEffect(() => {
    ref.current?.showModal();
    void api.getSettings({}).then((r) => {
      if (r.ok) setDir(r.value.defaultExportDir);
    });
  }, [api]);
  useEffect(() => {
    if (dir === null || outEdited) return;
    setForm((f) => ({ ...f, out: joinPath(dir, bundleName(s.id, f.plain, new Date())) }));
  }, [dir, outEdited, form.plain, s.id]);

  const set = (patch: Partial<ExportForm>) => {
    setForm((f) => ({ ...f, ...patch }));
  };
  const submit = async () => {
    const built = exportRequest(s.id, form);
    if ('problem' in built) {
      setProblem(built.problem);
      return;
    }
    setProblem(null);
    const r = await api.startExport(built.request);
    if (r.ok) setJob(r.value.job);
    else setProblem(`${r.message} [${r.code}]`);
  };
  const running = view?.state === 'running' || (job !== null && view === null);
  const fromVideo = (end: 'from' | 'to') => {
    const wall = videoWallMs();
    if (wall === null) return;
    const at = new Date(wall).toISOString();
    set(end === 'from' ? { from: at } : { to: at });
  };

  return (
    <dialog ref={ref} className="export-dialog" aria-labelledby={`${ids}-title`} onClose={onClose}>
      <h2 id={`${ids}-title`}>Export evidence bundle</h2>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset disabled={running}>
          <legend>Range (whole sealed windows)</legend>
          <label>
            <input
              type="radio"
              name="mode"
              checked={form.mode === 'tool'}
              disabled={tools.length === 0}
              onChange={() => {
                set({ mode: 'tool' });
              }}
            />{' '}
            By tool calls
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              checked={form.mode === 'time'}
              onChange={() => {
                set({ mode: 'time' });
              }}
            />{' '}
            By time
          </label>
          {form.mode === 'tool' ? (
            <div className="range">
              <label>
                From tool call
                <select
                  value={form.fromTool}
                  onChange={(e) => {
                    set({ fromTool: e.target.value });
                  }}
                >
                  {tools.map((t) => (
                    <option key={t.key} value={t.call.toolUseId}>
                      #{t.event.seq} {t.call.toolName}: {summaryOf(t, 50)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                To tool call
                <select
                  value={form.toTool}
                  onChange={(e) => {
                    set({ toTool: e.target.value });
                  }}
                >
                  {tools.map((t) => (
                    <option key={t.key} value={t.call.toolUseId}>
                      #{t.event.seq} {t.call.toolName}: {summaryOf(t, 50)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          ) : (
            <div className="range">
              {(['from', 'to'] as const).map((end) => (
                <RangeEnd
                  key={end}
                  label={end === 'from' ? 'From (ISO time)' : 'To (ISO time)'}
                  button={end === 'from' ? 'Start at the video’s position' : 'End at the video’s position'}
                  value={form[end]}
                  onChange={(value) => {
                    set({ [end]: value });
                  }}
                  onFromVideo={() => {
                    fromVideo(end);
                  }}
                />
              ))}
            </div>
          )}
        </fieldset>
        <fieldset disabled={running}>
          <legend>Encryption</legend>
          <label>
            Recipients (age public keys, one per line)
            <textarea
              rows={3}
              value={form.recipients}
              disabled={form.plain}
              placeholder="age1…"
              onChange={(e) => {
                set({ recipients: e.target.value });
              }}
            />
          </label>
          <label>
            <input
              type="checkbox"
              checked={form.plain}
              onChange={(e) => {
                set({ plain: e.target.checked });
              }}
            />{' '}
            Write the bundle unencrypted
          </label>
          {form.plain && (
            <p role="alert" className="warning">
              Unencrypted: prompts, tool inputs and outputs, terminal output and screen video will be readable by anyone
              who gets the file.
            </p>
          )}
        </fieldset>
        <fieldset disabled={running}>
          <legend>Withhold events (their content stays out; the rest still verifies)</legend>
          <ul className="withhold">
            {detail.events.map((e) => (
              <li key={e.id}>
                <label>
                  <input
                    type="checkbox"
                    value={e.id}
                    checked={form.withhold.includes(e.id)}
                    onChange={(ev) => {
                      set({
                        withhold: ev.target.checked
                          ? [...form.withhold, e.id]
                          : form.withhold.filter((x) => x !== e.id),
                      });
                    }}
                  />{' '}
                  #{e.seq} {e.kind}
                  {e.toolName === null ? '' : ` ${e.toolName}`}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <label>
          Write to
          <input
            value={form.out}
            disabled={running}
            onChange={(e) => {
              setOutEdited(true);
              set({ out: e.target.value });
            }}
          />
        </label>
        {problem !== null && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <div className="buttons">
          <button type="submit" disabled={running}>
            {form.plain ? 'Export unencrypted' : 'Export'}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            {view?.state === 'done' ? 'Close' : 'Cancel'}
          </button>
        </div>
      </form>
      {job !== null && <ExportResult view={view} error={error} onVerify={onVerify} />}
    </dialog>
  );
}

/** One end of a time range: the ISO field and the button that takes the video's current position. */
function RangeEnd(props: {
  label: string;
  button: string;
  value: string;
  onChange: (value: string) => void;
  onFromVideo: () => void;
}) {
  return (
    <>
      <label>
        {props.label}
        <input
          value={props.value}
          onChange={(e) => {
            props.onChange(e.target.value);
          }}
        />
      </label>
      <button type="button" onClick={props.onFromVideo}>
        {props.button}
      </button>
    </>
  );
}

function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}
