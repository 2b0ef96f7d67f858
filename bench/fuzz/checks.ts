import BetterSqlite3 from 'better-sqlite3';
import { runtimePaths } from '../../electron/engine/runtime/data-root.ts';
import type { FuzzDaemon, Memory } from './fuzz-daemon.ts';
import type { SteadyStats } from './steady-clients.ts';
import type { Tally } from './tally.ts';

/** File descriptors the daemon may hold beyond its count before the fuzzing (journal files, timers). */
const FD_SLACK = 4;

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

interface Steady {
  readonly socket: SteadyStats;
  readonly http: SteadyStats;
}

function errorsText(e: Readonly<Record<string, number>>): string {
  const parts = Object.entries(e).map(([k, v]) => `${k} ×${v}`);
  return parts.length === 0 ? 'no errors' : parts.join(', ');
}

function answered(name: string, s: SteadyStats): Check {
  const ok = s.sent === s.acked && Object.keys(s.errors).length === 0 && s.problems.length === 0;
  const problems = s.problems.length === 0 ? '' : `; ${s.problems.slice(0, 5).join('; ')}`;
  return { name, ok, detail: `${s.acked}/${s.sent} acknowledged, ${errorsText(s.errors)}${problems}` };
}

/** Event ids stored in the index for an engine session (socket) or an agent session id (HTTP). */
function indexedIds(
  indexPath: string,
  where: 'engine' | 'agent',
  sessions: readonly string[],
): Map<string, Set<string>> {
  const db = new BetterSqlite3(indexPath, { readonly: true });
  try {
    const sql =
      where === 'engine'
        ? 'SELECT id FROM events WHERE session_id = ?'
        : 'SELECT e.id FROM events e JOIN sessions s ON s.id = e.session_id WHERE s.agent_session_id = ?';
    const query = db.prepare<[string], { id: string }>(sql);
    return new Map(sessions.map((session) => [session, new Set(query.all(session).map((r) => r.id))]));
  } finally {
    db.close();
  }
}

/** Every acknowledged id is stored, and (exact) the session holds nothing this client did not send. */
function inIndex(
  name: string,
  s: SteadyStats,
  stored: ReadonlyMap<string, ReadonlySet<string>>,
  exact: boolean,
): Check {
  let acked = 0;
  let found = 0;
  let extra = 0;
  const missing: string[] = [];
  for (const [session, ids] of Object.entries(s.sessions)) {
    const have = stored.get(session);
    if (have === undefined) continue;
    acked += ids.length;
    const hits = ids.filter((id) => have.has(id)).length;
    found += hits;
    extra += have.size - hits;
    for (const id of ids) if (!have.has(id) && missing.length < 3) missing.push(id);
  }
  const ok = stored.size > 0 && found === acked && (!exact || extra === 0);
  return {
    name,
    ok,
    detail: `${found}/${acked} acknowledged events found in ${stored.size} sessions${missing.length > 0 ? `, missing e.g. ${missing.join(', ')}` : ''}${extra > 0 ? `, ${extra} events in them nobody acknowledged to this client` : ''}`,
  };
}

/** The first, a middle and the last session: enough to see `aev sessions show` agree with the file. */
function sample<T>(items: readonly T[]): T[] {
  return [...new Set([items[0], items[Math.floor(items.length / 2)], items.at(-1)])].filter(
    (x): x is T => x !== undefined,
  );
}

/**
 * The promises of issue 7: the daemon is still up and answering, the well-behaved clients lost
 * nothing (every ack is in the index, read by `aev sessions show` while it runs and from the SQLite
 * file once it has stopped), every hostile frame got a protocol answer, and the store verifies.
 */
export async function finalChecks(
  daemon: FuzzDaemon,
  steady: Steady,
  tally: Tally,
  fds: { readonly before: number | null; readonly after: number | null },
  progress: (line: string) => void,
): Promise<{ readonly checks: Check[]; readonly memoryBeforeStop: Memory | null }> {
  const checks: Check[] = [];
  const exit = daemon.exit();
  let statusDetail = exit === null ? '' : `exited during the run (${String(exit.code ?? exit.signal)})`;
  let up = exit === null;
  if (up) {
    const r = await daemon.aev(['status', '--json'], 30_000);
    up = r.code === 0;
    if (up) {
      const s = JSON.parse(r.stdout) as { pid: number; ingest: { eventsThisRun: number; rejectedFrames: number } };
      statusDetail = `pid ${s.pid} answers status: ${s.ingest.eventsThisRun} events stored this run, ${s.ingest.rejectedFrames} frames refused`;
    } else statusDetail = `aev status exited ${String(r.code)}: ${r.stdout}${r.stderr}`.slice(0, 400);
  }
  checks.push({ name: 'daemon still up', ok: up, detail: statusDetail });
  if (fds.before !== null && fds.after !== null) {
    // A few may differ (SQLite journal files come and go); a leaked connection per hostile client would not.
    const grown = fds.after - fds.before;
    checks.push({
      name: 'no file descriptors left behind by gone clients',
      ok: grown <= FD_SLACK,
      detail: `${fds.before} open before the fuzzing, ${fds.after} after every client had gone (${grown >= 0 ? '+' : ''}${grown})`,
    });
  }
  checks.push(answered('well-behaved socket client: every event acknowledged', steady.socket));
  checks.push(answered('well-behaved HTTP client: every POST answered 200', steady.http));

  const socketSessions = Object.keys(steady.socket.sessions);
  if (up && socketSessions.length > 0) {
    progress('checking the index with aev sessions show…');
    const shown = new Map<string, Set<string>>();
    const failures: string[] = [];
    for (const id of sample(socketSessions)) {
      const r = await daemon.aev(['sessions', 'show', id, '--json'], 120_000);
      if (r.code !== 0) failures.push(`${id}: ${r.stderr.trim().slice(0, 200)}`);
      else shown.set(id, new Set((JSON.parse(r.stdout) as { events: { id: string }[] }).events.map((e) => e.id)));
    }
    const sampled: SteadyStats = {
      ...steady.socket,
      sessions: Object.fromEntries(Object.entries(steady.socket.sessions).filter(([k]) => shown.has(k))),
    };
    const c = inIndex('aev sessions show (sampled sessions): exactly the socket acks', sampled, shown, true);
    checks.push(failures.length === 0 ? c : { ...c, ok: false, detail: `${c.detail}; ${failures.join('; ')}` });
  }

  const beforeStop = daemon.memory();
  progress('stopping the daemon…');
  const stopped = await daemon.stop();
  checks.push({
    name: 'daemon stops cleanly',
    ok: exit === null && stopped.code === 0,
    detail: `exit ${String(stopped.code ?? stopped.signal)}`,
  });
  const indexPath = runtimePaths(daemon.dataRoot).indexPath;
  checks.push(
    inIndex(
      'index (SQLite, after stop): every socket ack present',
      steady.socket,
      indexedIds(indexPath, 'engine', socketSessions),
      true,
    ),
  );
  checks.push(
    inIndex(
      'index (SQLite, after stop): every HTTP ack present',
      steady.http,
      indexedIds(indexPath, 'agent', Object.keys(steady.http.sessions)),
      true,
    ),
  );
  checks.push({
    name: 'every hostile frame answered with a well-formed protocol answer',
    ok: tally.anomalyCount === 0,
    detail:
      tally.anomalyCount === 0
        ? 'no anomalies'
        : `${tally.anomalyCount} anomalies: ${[...new Set(tally.anomalies.map((a) => a.kind))].join(', ')}`,
  });

  progress('aev verify --all --allow-pending…');
  const v = await daemon.aev(['verify', '--all', '--allow-pending', '--quiet'], 30 * 60_000);
  const summary = /(NOT )?VERIFIED: .*/.exec(v.stdout)?.[0] ?? `${v.stdout}${v.stderr}`.slice(-300);
  const fails = v.stdout
    .split('\n')
    .filter((l) => l.startsWith('FAIL'))
    .slice(0, 5);
  checks.push({
    name: 'aev verify --all --allow-pending',
    ok: v.code === 0,
    detail: `exit ${String(v.code)}: ${summary}${fails.length > 0 ? `\n      ${fails.join('\n      ')}` : ''}`,
  });
  return { checks, memoryBeforeStop: beforeStop };
}
