import { useEffect, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type { AppSettings, HookPolicyView, SettingsView as View } from '../../../../electron/common/ipc/app-views.ts';
import { HooksPanel } from './hooks-panel.tsx';

type TsaMode = 'default' | 'custom' | 'off';

interface Draft {
  readonly fps: string;
  readonly display: string;
  readonly tsaMode: TsaMode;
  readonly tsaUrls: string;
  readonly trustFile: string;
  readonly retentionDays: string;
  readonly hookPolicy: HookPolicyView;
}

/**
 * The user's settings (<data root>/settings.json, read by the engine at start): screen recording,
 * time-stamping authorities and their trust store, retention, what hooks do when the recorder is down,
 * and the hooks themselves. Empty fields mean the built-in default.
 */
export function SettingsView({ api }: { readonly api: AppApi }) {
  const [view, setView] = useState<View | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    void api.getSettings({}).then((r) => {
      if (!r.ok) {
        setMessage({ ok: false, text: `${r.message} [${r.code}]` });
        return;
      }
      setView(r.value);
      setDraft(draftOf(r.value.settings));
    });
  }, [api]);

  if (view === null || draft === null)
    return message === null ? <p>Loading settings…</p> : <p role="alert">{message.text}</p>;
  const set = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
  };
  const save = async () => {
    const built = settingsOf(draft, view.settings);
    if (typeof built === 'string') {
      setMessage({ ok: false, text: built });
      return;
    }
    const r = await api.setSettings({ settings: built });
    if (!r.ok) {
      setMessage({ ok: false, text: `${r.message} [${r.code}]` });
      return;
    }
    setView(r.value);
    setDraft(draftOf(r.value.settings));
    setMessage({ ok: true, text: 'Saved. The engine applies them the next time it starts.' });
  };
  const d = view.defaults;

  return (
    <section aria-labelledby="settings-title" className="settings">
      <h1 id="settings-title">Settings</h1>
      <p>
        Stored in <code>{view.file}</code>.
        {view.overriddenBy.length > 0 && ` These environment variables override it: ${view.overriddenBy.join(', ')}.`}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend>Screen recording</legend>
          <label>
            Frames per second
            <input
              type="number"
              min={1}
              max={60}
              value={draft.fps}
              placeholder={String(d.fps)}
              onChange={(e) => {
                set({ fps: e.target.value });
              }}
            />
          </label>
          <label>
            Display (X display like :0, macOS screen name, Windows output number)
            <input
              value={draft.display}
              placeholder={d.display ?? 'the main display'}
              onChange={(e) => {
                set({ display: e.target.value });
              }}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>Time-stamping (RFC 3161)</legend>
          {(['default', 'custom', 'off'] as const).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="tsa-mode"
                checked={draft.tsaMode === m}
                onChange={() => {
                  set({ tsaMode: m });
                }}
              />{' '}
              {m === 'default'
                ? `Built-in authorities (${d.tsaUrls.join(', ')})`
                : m === 'custom'
                  ? 'These authorities, in failover order'
                  : 'Off: windows stay pending'}
            </label>
          ))}
          {draft.tsaMode === 'custom' && (
            <label>
              TSA URLs, one per line
              <textarea
                rows={3}
                value={draft.tsaUrls}
                onChange={(e) => {
                  set({ tsaUrls: e.target.value });
                }}
              />
            </label>
          )}
          <label>
            Trust store for their certificates (a PEM file; empty: the built-in roots)
            <input
              value={draft.trustFile}
              onChange={(e) => {
                set({ trustFile: e.target.value });
              }}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>Retention</legend>
          <label>
            Keep sessions for (days after they end)
            <input
              type="number"
              min={1}
              max={36500}
              value={draft.retentionDays}
              placeholder={String(d.retentionDays)}
              onChange={(e) => {
                set({ retentionDays: e.target.value });
              }}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>When the recorder is down</legend>
          <label>
            <input
              type="radio"
              name="policy"
              checked={draft.hookPolicy === 'fail-open'}
              onChange={() => {
                set({ hookPolicy: 'fail-open' });
              }}
            />{' '}
            Fail open: tool calls go ahead; the gap is on record
          </label>
          <label>
            <input
              type="radio"
              name="policy"
              checked={draft.hookPolicy === 'fail-closed'}
              onChange={() => {
                set({ hookPolicy: 'fail-closed' });
              }}
            />{' '}
            Fail closed: tool calls are refused until it is back
          </label>
          <p>Applies to hooks installed or reinstalled from here.</p>
        </fieldset>
        {message !== null && (
          <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
            {message.text}
          </p>
        )}
        <button type="submit">Save settings</button>
      </form>
      <HooksPanel api={api} policy={draft.hookPolicy} />
    </section>
  );
}

function draftOf(s: AppSettings): Draft {
  const urls = s.tsa?.urls;
  return {
    fps: s.screen?.fps === undefined ? '' : String(s.screen.fps),
    display: s.screen?.display ?? '',
    tsaMode: urls === undefined ? 'default' : urls.length === 0 ? 'off' : 'custom',
    tsaUrls: (urls ?? []).join('\n'),
    trustFile: s.tsa?.trustFile ?? '',
    retentionDays: s.retention?.days === undefined ? '' : String(s.retention.days),
    hookPolicy: s.hookPolicy ?? 'fail-open',
  };
}

/** The settings to save, or what is wrong with the form. */
function settingsOf(d: Draft, before: AppSettings): AppSettings | string {
  const fps = wholeOrUndefined(d.fps);
  const days = wholeOrUndefined(d.retentionDays);
  if (fps === null) return 'Frames per second must be a whole number.';
  if (days === null) return 'Retention must be a whole number of days.';
  const urls = d.tsaUrls
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (d.tsaMode === 'custom' && urls.length === 0) return 'Give at least one TSA URL, or choose another option.';
  return {
    screen: { fps, display: d.display.trim() === '' ? undefined : d.display.trim() },
    tsa: {
      urls: d.tsaMode === 'default' ? undefined : d.tsaMode === 'off' ? [] : urls,
      trustFile: d.trustFile.trim() === '' ? undefined : d.trustFile.trim(),
    },
    retention: { days },
    hookPolicy: d.hookPolicy,
    onboarded: before.onboarded,
  };
}

function wholeOrUndefined(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) ? n : null;
}
