import { useCallback, useEffect, useState } from 'react';
import type { AppApi } from '../../electron/common/ipc/app-api.ts';
import type { EngineStatus } from '../../electron/common/model/status.ts';
import { OnboardingView } from './features/onboarding/onboarding-view.tsx';
import { SessionList } from './features/sessions/session-list.tsx';
import { SessionView } from './features/sessions/session-view.tsx';
import { SettingsView } from './features/settings/settings-view.tsx';
import { PauseControl } from './features/shell/pause-control.tsx';
import { VerifyView } from './features/verify/verify-view.tsx';

type Screen =
  | { readonly name: 'sessions'; readonly hint?: string }
  | { readonly name: 'session'; readonly id: string }
  | { readonly name: 'verify'; readonly path: string | null; readonly n: number }
  | { readonly name: 'settings' }
  | { readonly name: 'onboarding' };

const STATUS_REFRESH_MS = 5000;
const TABS = [
  ['sessions', 'Sessions'],
  ['verify', 'Verify'],
  ['settings', 'Settings'],
  ['onboarding', 'Setup'],
] as const;

export function App({ api }: { readonly api: AppApi }) {
  const [screen, setScreen] = useState<Screen | null>(null);
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const refresh = useCallback(() => {
    void api.status({}).then((r) => {
      setStatus(r.ok ? r.value : null);
    });
  }, [api]);
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, STATUS_REFRESH_MS);
    return () => {
      clearInterval(timer);
    };
  }, [refresh]);
  // The tray opens a route (#/sessions, #/export, #/verify, #/settings, docs/desktop-app.md); without
  // one, the first run starts with the setup steps and later runs with the sessions.
  useEffect(() => {
    const follow = () => {
      const routed = screenOf(location.hash);
      if (routed !== null) setScreen(routed);
    };
    // Only while nothing is on screen yet: a tab the user chose before the answer came stays chosen.
    if (screenOf(location.hash) === null)
      void api.onboarding({}).then((r) => {
        setScreen((shown) => shown ?? (r.ok && !r.value.onboarded ? { name: 'onboarding' } : { name: 'sessions' }));
      });
    else follow();
    window.addEventListener('hashchange', follow);
    return () => {
      window.removeEventListener('hashchange', follow);
    };
  }, [api]);

  const go = (name: (typeof TABS)[number][0]) => {
    const next: Screen =
      name === 'verify'
        ? { name, path: null, n: Date.now() }
        : name === 'sessions'
          ? { name }
          : name === 'settings'
            ? { name }
            : { name };
    setScreen(next);
  };
  const current = screen?.name === 'session' ? 'sessions' : screen?.name;
  return (
    <>
      <header>
        <strong>Agent Evidence</strong>
        <nav aria-label="Main">
          {TABS.map(([name, label]) => (
            <button
              key={name}
              type="button"
              aria-current={current === name ? 'page' : undefined}
              onClick={() => {
                go(name);
              }}
            >
              {label}
            </button>
          ))}
        </nav>
        <PauseControl api={api} status={status} onChanged={refresh} />
      </header>
      <main>
        {screen === null ? (
          <p>Starting…</p>
        ) : screen.name === 'sessions' ? (
          <SessionList
            hint={screen.hint}
            api={api}
            onOpen={(id) => {
              setScreen({ name: 'session', id });
            }}
          />
        ) : screen.name === 'session' ? (
          <SessionView
            api={api}
            id={screen.id}
            onBack={() => {
              go('sessions');
            }}
            onVerify={(path) => {
              setScreen({ name: 'verify', path, n: Date.now() });
            }}
          />
        ) : screen.name === 'verify' ? (
          <VerifyView key={screen.n} api={api} initialPath={screen.path} />
        ) : screen.name === 'settings' ? (
          <SettingsView api={api} />
        ) : (
          <OnboardingView
            api={api}
            onDone={() => {
              go('sessions');
            }}
          />
        )}
      </main>
    </>
  );
}

function screenOf(hash: string): Screen | null {
  switch (hash.replace(/^#\/?/, '')) {
    case 'sessions':
      return { name: 'sessions' };
    case 'export':
      return { name: 'sessions', hint: 'Open a session, then choose Export… to write an evidence bundle.' };
    case 'verify':
      return { name: 'verify', path: null, n: Date.now() };
    case 'settings':
      return { name: 'settings' };
    case 'setup':
      return { name: 'onboarding' };
    default:
      return null;
  }
}
