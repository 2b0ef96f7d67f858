import { useCallback, useEffect, useId, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type {
  HookPolicyView,
  HookScopeView,
  HooksScopeView,
  HooksView,
} from '../../../../electron/common/ipc/app-views.ts';

interface Props {
  readonly api: AppApi;
  /** The policy new hooks get (the settings' choice). */
  readonly policy: HookPolicyView;
}

/**
 * Claude Code hooks (docs/claude-code.md): which settings files run `aev hook` and with what policy;
 * install or remove ours, leaving the user's own hooks and settings as they are.
 */
export function HooksPanel({ api, policy }: Props) {
  const [hooks, setHooks] = useState<HooksView | null>(null);
  const [projectDir, setProjectDir] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const dir = projectDir.trim() === '' ? undefined : projectDir.trim();

  const refresh = useCallback(async () => {
    const r = await api.hooksStatus(dir === undefined ? {} : { projectDir: dir });
    if (r.ok) setHooks(r.value);
    else setMessage(`${r.message} [${r.code}]`);
  }, [api, dir]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const edit = async (action: 'install' | 'uninstall', scope: HookScopeView) => {
    setBusy(true);
    const params = { scope, ...(dir === undefined ? {} : { projectDir: dir }) };
    const r = action === 'install' ? await api.installHooks({ ...params, policy }) : await api.uninstallHooks(params);
    setBusy(false);
    if (!r.ok) {
      setMessage(`${r.message} [${r.code}]`);
      return;
    }
    const v = r.value;
    setHooks(v.hooks);
    setMessage(
      !v.written
        ? `Nothing to change in ${v.file}.`
        : action === 'install'
          ? `Hooks installed in ${v.file}: ${v.added.length} added, ${v.updated.length} updated. Restart Claude Code.`
          : `Hooks removed from ${v.removed.length} event(s) in ${v.file}.`,
    );
  };

  return (
    <section aria-labelledby={`${ids}-title`} className="hooks">
      <h2 id={`${ids}-title`}>Claude Code hooks</h2>
      {hooks === null ? (
        <p>Reading Claude Code’s settings…</p>
      ) : (
        <ul className="hook-scopes">
          {hooks.scopes.map((s) => (
            <li key={s.scope} data-scope={s.scope}>
              <strong>{s.scope}</strong> <ScopeState scope={s} all={hooks.allEvents} />{' '}
              {s.file !== null && (
                <>
                  <button type="button" disabled={busy} onClick={() => void edit('install', s.scope)}>
                    {s.events.length > 0 ? `Reinstall (${policy})` : `Install (${policy})`} for {s.scope}
                  </button>{' '}
                  {s.events.length > 0 && (
                    <button type="button" disabled={busy} onClick={() => void edit('uninstall', s.scope)}>
                      Remove from {s.scope}
                    </button>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <label>
        Project folder (for the project and local scopes)
        <input
          value={projectDir}
          placeholder="/home/me/src/my-repo"
          onChange={(e) => {
            setProjectDir(e.target.value);
          }}
        />
      </label>
      {message !== null && <p role="status">{message}</p>}
    </section>
  );
}

function ScopeState({ scope, all }: { readonly scope: HooksScopeView; readonly all: number }) {
  if (scope.file === null) return <span>(name a project folder below)</span>;
  const where = <code>{scope.file}</code>;
  if (scope.events.length === 0) return <span>not installed · {where}</span>;
  return (
    <span data-installed={scope.events.length}>
      installed on {scope.events.length} of {all} events, {scope.policy ?? 'fail-open'} · {where}
    </span>
  );
}
