import type { Migration } from '../migration.ts';

/**
 * The evidence chain (DESIGN.md §5): one hash-linked, signed record per sealed window or gap, per
 * session; the time-stamp queue; and the tokens that came back. Records hold only hashes, counts and
 * times, so they are stored in clear (they are what an auditor receives anyway).
 */
export const migration002: Migration = {
  version: 2,
  name: 'chain',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN chain_final INTEGER NOT NULL DEFAULT 0;
      -- Events 1..sealed_seq of a session are sealed; event_count - sealed_seq are in the open window.
      ALTER TABLE sessions ADD COLUMN sealed_seq INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE chain_records (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        record BLOB NOT NULL,
        record_hash BLOB NOT NULL UNIQUE,
        signature TEXT NOT NULL,
        sealed_at TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
      );

      CREATE TABLE tsa_queue (
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        enqueued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        PRIMARY KEY (session_id, seq)
      );

      CREATE TABLE tsa_tokens (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        tsa_url TEXT NOT NULL,
        response BLOB NOT NULL,
        gen_time TEXT NOT NULL,
        stamped_at TEXT NOT NULL,
        UNIQUE (session_id, seq, tsa_url)
      );

      CREATE TABLE tsa_status (
        url TEXT PRIMARY KEY,
        last_success_at TEXT,
        last_error_at TEXT,
        last_error TEXT,
        next_allowed_at TEXT
      );
    `);
  },
};
