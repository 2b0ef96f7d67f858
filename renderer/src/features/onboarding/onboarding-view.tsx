import { useCallback, useEffect, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type { HookPolicyView, OnboardingView as View } from '../../../../electron/common/ipc/app-views.ts';
import { HooksPanel } from '../settings/hooks-panel.tsx';

interface Props {
  readonly api: AppApi;
  readonly onDone: () => void;
}

/**
 * First run (issue #6, "onboarding"): the vault and its recovery passphrase, the agent's hooks, and —
 * on macOS only — the Screen Recording permission the recorder needs. Each step says where it stands;
 * finishing records it in settings.json so the steps do not come back on their own.
 */
export function OnboardingView({ api, onDone }: Props) {
  const [view, setView] = useState<View | null>(null);
  const [policy, setPolicy] = useState<HookPolicyView>('fail-open');
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    const r = await api.onboarding({});
    if (r.ok) setView(r.value);
    else setError(`${r.message} [${r.code}]`);
    const s = await api.getSettings({});
    if (s.ok) setPolicy(s.value.settings.hookPolicy ?? s.value.defaults.hookPolicy);
  }, [api]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const finish = async () => {
    const s = await api.getSettings({});
    if (!s.ok) {
      setError(`${s.message} [${s.code}]`);
      return;
    }
    const r = await api.setSettings({ settings: { ...s.value.settings, onboarded: true } });
    if (r.ok) onDone();
    else setError(`${r.message} [${r.code}]`);
  };

  if (view === null) return error === null ? <p>Checking this machine…</p> : <p role="alert">{error}</p>;
  return (
    <section aria-labelledby="onboarding-title" className="onboarding">
      <h1 id="onboarding-title">Welcome to Agent Evidence</h1>
      <p>Three things make the recording complete. Each can be changed later in Settings.</p>
      <ol className="steps">
        <li>
          <VaultStep api={api} view={view} onChanged={() => void refresh()} />
        </li>
        <li>
          <h2>Record your agent’s tool calls</h2>
          <p>
            Claude Code reports every tool call to the recorder through hooks. Install them for your user (all
            projects), or for one project.
          </p>
          <HooksPanel api={api} policy={policy} />
        </li>
        <li>
          <ScreenStep view={view} />
        </li>
      </ol>
      {error !== null && <p role="alert">{error}</p>}
      <button type="button" onClick={() => void finish()}>
        Done: go to my sessions
      </button>
    </section>
  );
}

function VaultStep({
  api,
  view,
  onChanged,
}: {
  readonly api: AppApi;
  readonly view: View;
  readonly onChanged: () => void;
}) {
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const v = view.vault;
  const save = async () => {
    if (first.length < 12) {
      setMessage({ ok: false, text: 'Use at least 12 characters.' });
      return;
    }
    if (first !== second) {
      setMessage({ ok: false, text: 'The two entries differ.' });
      return;
    }
    const r = await api.setRecoveryPassphrase({ passphrase: first });
    setFirst('');
    setSecond('');
    if (!r.ok) {
      setMessage({ ok: false, text: `${r.message} [${r.code}]` });
      return;
    }
    setMessage({ ok: true, text: 'Recovery passphrase set. Keep it somewhere safe, away from this computer.' });
    onChanged();
  };
  return (
    <>
      <h2>Your evidence vault</h2>
      <p data-vault={v.recoveryPassphrase ? 'passphrase' : 'keyring-only'}>
        The vault is encrypted
        {v.keyring ? ' with a key kept in your system keychain' : ''}
        {v.keyring && v.recoveryPassphrase ? ' and' : ''}
        {v.recoveryPassphrase ? ' with a recovery passphrase' : ''}.{' '}
        {v.unlockedBy === null ? 'The engine is not reachable right now.' : `It is open (unlocked by ${v.unlockedBy}).`}
      </p>
      {!v.recoveryPassphrase && (
        <p className="warning">
          Without a recovery passphrase, losing the keychain entry (a new computer, a reset keychain) loses the
          evidence.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          {v.recoveryPassphrase ? 'New recovery passphrase' : 'Recovery passphrase'} (12 characters or more)
          <input
            type="password"
            autoComplete="new-password"
            value={first}
            onChange={(e) => {
              setFirst(e.target.value);
            }}
          />
        </label>
        <label>
          Once more
          <input
            type="password"
            autoComplete="new-password"
            value={second}
            onChange={(e) => {
              setSecond(e.target.value);
            }}
          />
        </label>
        <button type="submit">{v.recoveryPassphrase ? 'Change the passphrase' : 'Set the passphrase'}</button>
        {message !== null && <p role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
      </form>
    </>
  );
}

function ScreenStep({ view }: { readonly view: View }) {
  return (
    <>
      <h2>Screen recording</h2>
      <p data-screen={view.screen.state}>
        The recorder is {view.screen.state}
        {view.screen.detail === null ? '.' : `: ${view.screen.detail}`}
      </p>
      {view.platform === 'darwin' && (
        <div className="macos-permission" role="note">
          <p>
            macOS asks before any app may record the screen. Open{' '}
            <strong>System Settings → Privacy &amp; Security → Screen &amp; System Audio Recording</strong>, turn on{' '}
            <strong>Agent Evidence</strong>, then quit and reopen the app. Without it, recordings show only the desktop
            background.
          </p>
        </div>
      )}
    </>
  );
}
