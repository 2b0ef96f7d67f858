import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import type { SessionWindows, WindowBadge, WindowState } from '../../common/protocol/control-answers.ts';

/**
 * Each chain record of a session with its standing (invariant I3: "pending coverage is visible, never
 * silent"). A token on record m covers every record up to m of the same session through the hash
 * links (DESIGN.md §5, "stamp only the newest head"), so a record is time-stamped when a token sits on
 * it or on any later record; otherwise it is pending while the TSA queue still holds it or a later record.
 */
export function sessionWindows(db: Database, session: string): SessionWindows {
  const row = db
    .prepare<[string], { event_count: number; sealed_seq: number }>(
      'SELECT event_count, sealed_seq FROM sessions WHERE id = ?',
    )
    .get(session);
  if (row === undefined) throw new AevError('E_NOT_FOUND', `no session ${session}`, { id: session });
  const stampedUpTo =
    db
      .prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM tsa_tokens WHERE session_id = ?')
      .get(session)?.seq ?? 0;
  const queuedUpTo =
    db
      .prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM tsa_queue WHERE session_id = ?')
      .get(session)?.seq ?? 0;
  const records = db
    .prepare<[string], { record: Buffer }>('SELECT record FROM chain_records WHERE session_id = ? ORDER BY seq')
    .all(session)
    .map((r) => JSON.parse(r.record.toString('utf8')) as ChainRecordBody);
  const counts: Record<WindowState, number> = { 'time-stamped': 0, pending: 0, sealed: 0, gap: 0, purged: 0 };
  const windows = records.map((b): WindowBadge => {
    const timeStamped = b.seq <= stampedUpTo;
    const state: WindowState =
      b.kind === 'gap'
        ? 'gap'
        : b.kind === 'tombstone'
          ? 'purged'
          : timeStamped
            ? 'time-stamped'
            : b.seq <= queuedUpTo
              ? 'pending'
              : 'sealed';
    counts[state] += 1;
    return {
      seq: b.seq,
      kind: b.kind,
      from: b.from,
      to: b.to,
      sealedAt: b.sealedAt,
      state,
      timeStamped,
      events: b.events.count,
      media: b.media.count,
      gap: b.gap,
      final: b.final,
    };
  });
  return { session, windows, counts, openEvents: Math.max(0, row.event_count - row.sealed_seq) };
}
