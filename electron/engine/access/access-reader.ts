import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import { ChainStore } from '../seal/chain-store.ts';
import { openBytes } from '../vault/aead.ts';
import { accessEntrySchema, describeEntry } from './access-entry.ts';
import type { AccessEntry } from './access-entry.ts';
import { accessSessionId } from './access-log.ts';

/** One access log entry as `aev access-log` and the control API's `access.list` show it. */
export interface AccessLogItem {
  readonly seq: number;
  readonly eventId: string;
  readonly at: string;
  /** null when the stored entry does not decrypt or match its digest: `aev verify` names what changed. */
  readonly entry: AccessEntry | null;
  readonly summary: string;
  /** The access session's chain record that seals this entry; null while its window is open. */
  readonly sealedIn: number | null;
  /** A valid-looking RFC 3161 token covers that record (through the chain); `aev verify` checks it. */
  readonly stamped: boolean;
}

export interface AccessLogListing {
  readonly sessionId: string | null;
  readonly total: number;
  /** Newest first. */
  readonly entries: readonly AccessLogItem[];
}

interface Row {
  id: string;
  seq: number;
  received_at: string;
  digest: Buffer;
  payload_ct: Buffer;
}

/** The newest `limit` entries of the access log, decrypted, each with where it is sealed. */
export function listAccess(db: Database, fieldKey: Buffer, limit: number): AccessLogListing {
  const sessionId = accessSessionId(db);
  if (sessionId === null) return { sessionId: null, total: 0, entries: [] };
  const total =
    db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM events WHERE session_id = ?').get(sessionId)?.n ?? 0;
  const rows = db
    .prepare<[string, number], Row>(
      'SELECT id, seq, received_at, digest, payload_ct FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT ?',
    )
    .all(sessionId, limit);
  const windows = new ChainStore(db)
    .all(sessionId)
    .map((r) => JSON.parse(r.record.toString('utf8')) as ChainRecordBody)
    .filter((b) => b.events.firstSeq !== null && b.events.lastSeq !== null);
  const stampedUpTo =
    db
      .prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM tsa_tokens WHERE session_id = ?')
      .get(sessionId)?.seq ?? 0;
  const entries = rows.map((r): AccessLogItem => {
    const entry = readEntry(r, fieldKey);
    const sealedIn =
      windows.find((b) => r.seq >= (b.events.firstSeq ?? Infinity) && r.seq <= (b.events.lastSeq ?? -1))?.seq ?? null;
    return {
      seq: r.seq,
      eventId: r.id,
      at: r.received_at,
      entry,
      summary: entry === null ? 'cannot be read: altered or damaged (run `aev verify --all`)' : describeEntry(entry),
      sealedIn,
      stamped: sealedIn !== null && sealedIn <= stampedUpTo,
    };
  });
  return { sessionId, total, entries };
}

function readEntry(r: Row, fieldKey: Buffer): AccessEntry | null {
  try {
    const plain = openBytes(fieldKey, r.payload_ct, payloadAad(r.id));
    if (!createHash('sha256').update(plain).digest().equals(r.digest)) return null;
    const doc = JSON.parse(plain.toString('utf8')) as { received?: unknown };
    const parsed = accessEntrySchema.safeParse(doc.received);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
