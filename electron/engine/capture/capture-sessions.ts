import type { Database } from 'better-sqlite3';
import type { AgentKind } from '../../common/model/agent.ts';
import type { SessionEndReason } from '../../common/model/session.ts';
import { newId } from '../runtime/ids.ts';

/**
 * Sessions that hold captured media rather than agent events: a screen recording (kind "screen") or a
 * terminal run by `aev run` (kind "terminal"). Each has its own chain, so every captured byte is sealed
 * within its window however the agent sessions around it start and end (invariant I2).
 */
export class CaptureSessions {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  open(kind: 'screen' | 'terminal', agent: AgentKind | 'aev', externalId: string, atMs: number): string {
    const at = new Date(atMs).toISOString();
    const id = newId(kind === 'screen' ? 'rec' : 'term', atMs);
    this.#db
      .prepare(
        `INSERT INTO sessions (id, kind, agent, agent_session_id, started_at, last_event_at, last_event_mono_us)
         VALUES (?, ?, ?, ?, ?, ?, 0)`,
      )
      .run(id, kind, agent, externalId, at, at);
    return id;
  }

  /** Ends the session; the sealer then writes its final record. Idempotent. */
  end(id: string, reason: SessionEndReason, atMs: number): void {
    this.#db
      .prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL')
      .run(new Date(atMs).toISOString(), reason, id);
  }

  /** Capture sessions a previous engine left open (it stopped without ending them). */
  leftOpen(): { readonly id: string; readonly kind: 'screen' | 'terminal' }[] {
    return this.#db
      .prepare<[], { id: string; kind: 'screen' | 'terminal' }>(
        `SELECT id, kind FROM sessions WHERE ended_at IS NULL AND kind IN ('screen', 'terminal')`,
      )
      .all();
  }
}
