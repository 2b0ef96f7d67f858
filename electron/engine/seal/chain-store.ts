import type { Database, Statement } from 'better-sqlite3';
import type { ChainRecordBody, ChainRecordKind } from '../../common/model/chain.ts';

export interface StoredChainRecord {
  readonly sessionId: string;
  readonly seq: number;
  readonly kind: ChainRecordKind;
  /** The canonical bytes, exactly as signed and stamped. */
  readonly record: Buffer;
  readonly recordHash: Buffer;
  /** Armored SSHSIG over `record`. */
  readonly signature: string;
  readonly sealedAt: string;
}

interface RecordRow {
  session_id: string;
  seq: number;
  kind: ChainRecordKind;
  record: Buffer;
  record_hash: Buffer;
  signature: string;
  sealed_at: string;
}

/** The chain_records table. */
export class ChainStore {
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #enqueue: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO chain_records (session_id, seq, kind, record, record_hash, signature, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#enqueue = db.prepare(
      'INSERT INTO tsa_queue (session_id, seq, enqueued_at, next_attempt_at) VALUES (?, ?, ?, ?)',
    );
  }

  /** Stores a record and queues it for time-stamping in the caller's transaction: a crash cannot separate them. */
  insert(r: StoredChainRecord): void {
    this.#insert.run(r.sessionId, r.seq, r.kind, r.record, r.recordHash, r.signature, r.sealedAt);
    this.#enqueue.run(r.sessionId, r.seq, r.sealedAt, r.sealedAt);
  }

  last(sessionId: string): { readonly stored: StoredChainRecord; readonly body: ChainRecordBody } | null {
    const row = this.#db
      .prepare<[string], RecordRow>('SELECT * FROM chain_records WHERE session_id = ? ORDER BY seq DESC LIMIT 1')
      .get(sessionId);
    if (row === undefined) return null;
    const stored = toStored(row);
    return { stored, body: JSON.parse(stored.record.toString('utf8')) as ChainRecordBody };
  }

  /** Every record of a session in stored order (rowid), so a verifier sees reordering as it is on disk. */
  all(sessionId: string): StoredChainRecord[] {
    return this.#db
      .prepare<[string], RecordRow>('SELECT * FROM chain_records WHERE session_id = ? ORDER BY rowid')
      .all(sessionId)
      .map(toStored);
  }

  count(): number {
    return this.#db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM chain_records').get()?.n ?? 0;
  }
}

function toStored(r: RecordRow): StoredChainRecord {
  return {
    sessionId: r.session_id,
    seq: r.seq,
    kind: r.kind,
    record: r.record,
    recordHash: r.record_hash,
    signature: r.signature,
    sealedAt: r.sealed_at,
  };
}
