import type { Database } from 'better-sqlite3';
import type { AgentKind } from '../../common/model/agent.ts';

/** The in-memory view of open sessions; the index is the truth, this is its cache for the hot path. */
export interface OpenSession {
  readonly id: string;
  readonly agent: AgentKind;
  readonly agentSessionId: string;
  nextSeq: number;
  /** Wall clock of the last event, for idle detection across restarts. */
  lastEventAtMs: number;
  /** Monotonic time of the last event in this run (null for a session loaded from an earlier run). */
  lastEventMonoUs: number | null;
}

interface OpenSessionRow {
  id: string;
  agent: AgentKind;
  agent_session_id: string;
  last_event_at: string;
  max_seq: number | null;
}

export class SessionTracker {
  readonly #open = new Map<string, OpenSession>();

  /** Loads sessions left open by the previous run (their agents may still be working). */
  load(db: Database): void {
    const rows = db
      .prepare<[], OpenSessionRow>(
        `SELECT s.id, s.agent, s.agent_session_id, s.last_event_at,
                (SELECT MAX(seq) FROM events e WHERE e.session_id = s.id) AS max_seq
           FROM sessions s WHERE s.ended_at IS NULL AND s.kind = 'agent'`,
      )
      .all();
    for (const r of rows) {
      this.#open.set(key(r.agent, r.agent_session_id), {
        id: r.id,
        agent: r.agent,
        agentSessionId: r.agent_session_id,
        nextSeq: (r.max_seq ?? 0) + 1,
        lastEventAtMs: Date.parse(r.last_event_at),
        lastEventMonoUs: null,
      });
    }
  }

  /** Forgets everything and reads the open sessions again (after a rolled-back write). */
  reload(db: Database): void {
    this.#open.clear();
    this.load(db);
  }

  find(agent: AgentKind, agentSessionId: string): OpenSession | undefined {
    return this.#open.get(key(agent, agentSessionId));
  }

  add(session: OpenSession): void {
    this.#open.set(key(session.agent, session.agentSessionId), session);
  }

  remove(session: OpenSession): void {
    this.#open.delete(key(session.agent, session.agentSessionId));
  }

  /**
   * Sessions with no event for `idleMs`. Within one run on the monotonic clock, so a wall clock that
   * jumps forward ends nothing; sessions from an earlier run (no monotonic time yet) by the wall clock.
   */
  idleFor(idleMs: number, nowMs: number, nowMonoUs: number): OpenSession[] {
    return [...this.#open.values()].filter((s) =>
      s.lastEventMonoUs === null ? s.lastEventAtMs < nowMs - idleMs : nowMonoUs - s.lastEventMonoUs > idleMs * 1000,
    );
  }

  get size(): number {
    return this.#open.size;
  }
}

function key(agent: string, agentSessionId: string): string {
  return `${agent}\u0000${agentSessionId}`;
}
