import { useEffect, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type { SessionSummary } from '../../../../electron/common/model/session.ts';
import type { SessionWindows } from '../../../../electron/common/protocol/control-answers.ts';
import { SealSummary } from './seal-badges.tsx';
import { searchableText, sessionMatches } from './session-search.ts';

interface Props {
  readonly api: AppApi;
  readonly onOpen: (id: string) => void;
  /** A line above the list (what to do next, when the tray sent the user here). */
  readonly hint?: string | undefined;
}

// Searching reads each session's details: cap it so a long history does not mean hundreds of decryptions.
const SEARCH_DETAIL_LIMIT = 50;
// Seal badges need one small query per session: for the newest ones.
const BADGE_LIMIT = 100;

export function SessionList({ api, onOpen, hint }: Props) {
  const [sessions, setSessions] = useState<readonly SessionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [texts, setTexts] = useState<ReadonlyMap<string, string>>(new Map());
  const [seals, setSeals] = useState<ReadonlyMap<string, SessionWindows>>(new Map());

  useEffect(() => {
    void api.listSessions({ limit: 200 }).then((r) => {
      if (r.ok) setSessions(r.value);
      else setError(`${r.message} [${r.code}]`);
    });
  }, [api]);

  useEffect(() => {
    if (sessions === null) return;
    let cancelled = false;
    void Promise.all(
      sessions.slice(0, BADGE_LIMIT).map(async (s) => [s.id, await api.sessionWindows({ id: s.id })] as const),
    ).then((answers) => {
      if (cancelled) return;
      setSeals(new Map(answers.flatMap(([id, r]) => (r.ok ? [[id, r.value] as const] : []))));
    });
    return () => {
      cancelled = true;
    };
  }, [api, sessions]);

  useEffect(() => {
    if (query.trim() === '' || sessions === null) return;
    const missing = sessions.filter((s) => s.kind !== 'screen' && !texts.has(s.id)).slice(0, SEARCH_DETAIL_LIMIT);
    if (missing.length === 0) return;
    let cancelled = false;
    void Promise.all(missing.map(async (s) => [s.id, await api.showSession({ id: s.id })] as const)).then((answers) => {
      if (cancelled) return;
      setTexts((old) => {
        const next = new Map(old);
        for (const [id, r] of answers) next.set(id, r.ok ? searchableText(r.value) : '');
        return next;
      });
    });
    return () => {
      cancelled = true;
    };
  }, [api, query, sessions, texts]);

  if (error !== null) return <p role="alert">Could not list sessions: {error}</p>;
  if (sessions === null) return <p>Loading sessions…</p>;
  const shown = sessions.filter((s) => sessionMatches(s, query, texts.get(s.id)));
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      {hint !== undefined && <p role="status">{hint}</p>}
      <input
        type="search"
        aria-label="Search sessions by agent, tool, command, file path or date"
        placeholder="Search agent, tool, command, path, date…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
        }}
      />
      {shown.length === 0 ? (
        <p>{sessions.length === 0 ? 'No sessions recorded yet.' : 'No session matches.'}</p>
      ) : (
        <table className="sessions">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Events</th>
              <th scope="col">Tool calls</th>
              <th scope="col">Seals</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      onOpen(s.id);
                    }}
                  >
                    {s.agent}
                  </button>
                </td>
                <td>{s.kind}</td>
                <td>{s.state}</td>
                <td>
                  <time dateTime={s.startedAt}>{new Date(s.startedAt).toLocaleString()}</time>
                </td>
                <td>{s.eventCount}</td>
                <td>{s.toolCallCount}</td>
                <td>
                  <SealSummary windows={seals.get(s.id) ?? null} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
