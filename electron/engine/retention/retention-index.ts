import type { Database } from 'better-sqlite3';
import type { SessionKind } from '../../common/model/media.ts';
import type { RetentionSession } from './retention-types.ts';

export interface SessionRow {
  readonly id: string;
  readonly kind: SessionKind;
  readonly agent: string;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly chain_final: number;
  readonly event_count: number;
  readonly media_count: number;
  readonly bytes: number;
}

export interface PurgeRow {
  readonly session_id: string;
  readonly tombstone_seq: number;
  readonly policy_days: number;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly events: number;
  readonly media: number;
  readonly bytes: number;
  readonly objects_deleted: number;
}

export interface HoldRow {
  readonly session_id: string;
  readonly since: string;
  readonly reason_ct: Buffer;
}

function sessionSql(extraColumns = ''): string {
  return `SELECT s.id, s.kind, s.agent, s.started_at, s.ended_at, s.chain_final, s.event_count, s.media_count,
      (SELECT COALESCE(SUM(e.payload_bytes), 0) FROM events e WHERE e.session_id = s.id)
        + (SELECT COALESCE(SUM(m.bytes), 0) FROM media m WHERE m.session_id = s.id) AS bytes ${extraColumns}
    FROM sessions s`;
}
const SESSION_SQL = sessionSql();

/**
 * The hold that keeps session `s`: its own, or, for a screen recording or terminal, the hold of an agent
 * session it overlaps in time (what an export of that agent session would include: a hold must keep the
 * video and terminal of the held work, not only its events). Open sessions overlap up to now.
 */
const HOLDER_SQL = `COALESCE(
    (SELECT h.session_id FROM retention_holds h WHERE h.session_id = s.id),
    CASE WHEN s.kind IN ('screen', 'terminal') THEN
      (SELECT h.session_id FROM retention_holds h JOIN sessions a ON a.id = h.session_id
        WHERE a.kind = 'agent' AND a.started_at < COALESCE(s.ended_at, '9999') AND s.started_at < COALESCE(a.ended_at, '9999')
        ORDER BY h.since LIMIT 1)
    END)`;

/** The index side of retention: holds, purge state and the sessions a policy makes due. */
export class RetentionIndex {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  session(id: string): SessionRow | undefined {
    return this.#db.prepare<[string], SessionRow>(`${SESSION_SQL} WHERE s.id = ?`).get(id);
  }

  /** Where the session's chain ends: its last record's `to` and whether that record is final. */
  chainEnd(id: string): { readonly seq: number; readonly to: string; readonly final: boolean } | null {
    const row = this.#db
      .prepare<[string], { seq: number; record: Buffer }>(
        'SELECT seq, record FROM chain_records WHERE session_id = ? ORDER BY seq DESC LIMIT 1',
      )
      .get(id);
    if (row === undefined) return null;
    const body = JSON.parse(row.record.toString('utf8')) as { to: string; final: boolean };
    return { seq: row.seq, to: body.to, final: body.final };
  }

  /**
   * Ended, sealed for good, neither purged nor held, and ended at or before `cutoff` (the index's
   * `ended_at` narrows the search; the chain's own end decides, since that is what a verifier sees).
   */
  due(cutoff: string): RetentionSession[] {
    return this.#db
      .prepare<[string], SessionRow>(
        `${SESSION_SQL} WHERE s.ended_at IS NOT NULL AND s.ended_at <= ? AND s.chain_final = 1
           AND NOT EXISTS (SELECT 1 FROM retention_purges p WHERE p.session_id = s.id)
           AND ${HOLDER_SQL} IS NULL
         ORDER BY s.ended_at, s.id`,
      )
      .all(cutoff)
      .map((r) => this.facts(r))
      .filter((s) => s.endedAt !== null && s.endedAt <= cutoff);
  }

  /** The unheld, unpurged ended session whose end is the oldest (the next to fall due). */
  oldestKept(): RetentionSession | null {
    const row = this.#db
      .prepare<[], SessionRow>(
        `${SESSION_SQL} WHERE s.ended_at IS NOT NULL AND s.chain_final = 1
           AND NOT EXISTS (SELECT 1 FROM retention_purges p WHERE p.session_id = s.id)
           AND ${HOLDER_SQL} IS NULL
         ORDER BY s.ended_at, s.id LIMIT 1`,
      )
      .get();
    return row === undefined ? null : this.facts(row);
  }

  /** The session holding `id` (itself or an overlapping agent session), or null. */
  holder(id: string): string | null {
    return (
      this.#db
        .prepare<[string], { holder: string | null }>(`SELECT ${HOLDER_SQL} AS holder FROM sessions s WHERE s.id = ?`)
        .get(id)?.holder ?? null
    );
  }

  /** Every session kept by a hold, with the hold that keeps it. */
  held(): (RetentionSession & { readonly hold: HoldRow })[] {
    const holds = new Map(
      this.#db
        .prepare<[], HoldRow>('SELECT session_id, since, reason_ct FROM retention_holds')
        .all()
        .map((h) => [h.session_id, h]),
    );
    if (holds.size === 0) return [];
    return this.#db
      .prepare<[], SessionRow & { holder: string }>(
        `SELECT * FROM (${sessionSql(`, ${HOLDER_SQL} AS holder`)})
          WHERE holder IS NOT NULL AND NOT EXISTS (SELECT 1 FROM retention_purges p WHERE p.session_id = id)
          ORDER BY started_at, id`,
      )
      .all()
      .flatMap((r) => {
        const hold = holds.get(r.holder);
        return hold === undefined ? [] : [{ ...this.facts(r), hold }];
      });
  }

  hold(sessionId: string, since: string, reasonCt: Buffer): void {
    this.#db
      .prepare(
        `INSERT INTO retention_holds (session_id, since, reason_ct) VALUES (?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET reason_ct = excluded.reason_ct`,
      )
      .run(sessionId, since, reasonCt);
  }

  holdOf(sessionId: string): HoldRow | undefined {
    return this.#db
      .prepare<[string], HoldRow>('SELECT session_id, since, reason_ct FROM retention_holds WHERE session_id = ?')
      .get(sessionId);
  }

  release(sessionId: string): boolean {
    return this.#db.prepare('DELETE FROM retention_holds WHERE session_id = ?').run(sessionId).changes > 0;
  }

  purgeOf(sessionId: string): PurgeRow | undefined {
    return this.#db.prepare<[string], PurgeRow>('SELECT * FROM retention_purges WHERE session_id = ?').get(sessionId);
  }

  incomplete(): PurgeRow[] {
    return this.#db
      .prepare<[], PurgeRow>('SELECT * FROM retention_purges WHERE finished_at IS NULL ORDER BY started_at')
      .all();
  }

  purgedCount(): number {
    return this.#db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM retention_purges').get()?.n ?? 0;
  }

  /** In the tombstone's transaction: the purge is on record before any content is deleted. */
  startPurge(p: {
    readonly sessionId: string;
    readonly tombstoneSeq: number;
    readonly policyDays: number;
    readonly startedAt: string;
    readonly events: number;
    readonly media: number;
    readonly bytes: number;
  }): void {
    this.#db
      .prepare(
        `INSERT INTO retention_purges (session_id, tombstone_seq, policy_days, started_at, events, media, bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(p.sessionId, p.tombstoneSeq, p.policyDays, p.startedAt, p.events, p.media, p.bytes);
  }

  finishPurge(sessionId: string, at: string, objectsDeleted: number): void {
    this.#db
      .prepare(
        'UPDATE retention_purges SET finished_at = ?, objects_deleted = objects_deleted + ? WHERE session_id = ?',
      )
      .run(at, objectsDeleted, sessionId);
  }

  facts(r: SessionRow): RetentionSession {
    return {
      id: r.id,
      kind: r.kind,
      agent: r.agent,
      startedAt: r.started_at,
      endedAt: r.ended_at === null ? null : (this.chainEnd(r.id)?.to ?? r.ended_at),
      events: r.event_count,
      media: r.media_count,
      bytes: r.bytes,
    };
  }
}
