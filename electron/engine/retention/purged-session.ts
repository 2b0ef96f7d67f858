import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';

export interface PurgeFacts {
  readonly sessionId: string;
  readonly tombstoneSeq: number;
  /** When the tombstone was sealed: the purge, as the chain states it. */
  readonly purgedAt: string;
  readonly policyDays: number;
}

/**
 * The session's tombstone, read from the chain itself (not from the retention tables), so it also
 * answers on an index opened read-only by a tool that never ran the retention migration. The tombstone
 * is written before any content is deleted: a session with one has lost, or is losing, its content.
 */
export function purgeOf(db: Database, sessionId: string): PurgeFacts | null {
  const row = db
    .prepare<[string], { seq: number; record: Buffer }>(
      "SELECT seq, record FROM chain_records WHERE session_id = ? AND kind = 'tombstone' ORDER BY seq LIMIT 1",
    )
    .get(sessionId);
  if (row === undefined) return null;
  const body = JSON.parse(row.record.toString('utf8')) as ChainRecordBody;
  return { sessionId, tombstoneSeq: row.seq, purgedAt: body.sealedAt, policyDays: body.purge?.policyDays ?? 0 };
}

/**
 * Refuses to read or export the content of a purged session, saying which session, when it went and
 * under which rule (the policy and the tombstone record that states the purge). Checked before any
 * content is read: the tombstone is written before anything is deleted, so from then on the content is
 * gone or going, and a read must not fail later with a vague "object missing" halfway through.
 */
export function assertNotPurged(db: Database, sessionId: string, what: string): void {
  const p = purgeOf(db, sessionId);
  if (p === null) return;
  throw new AevError(
    'E_PURGED',
    `session ${sessionId} was purged on ${p.purgedAt} by the ${p.policyDays}-day retention policy ` +
      `(tombstone record ${p.tombstoneSeq}): its content is deleted, so it cannot be ${what}. Its signed records ` +
      `and hashes remain: \`aev verify --session ${sessionId}\` reports it as PURGED`,
    { sessionId, purgedAt: p.purgedAt, policyDays: p.policyDays, tombstoneSeq: p.tombstoneSeq },
  );
}
