import type { Migration } from '../migration.ts';

/**
 * Sessions, events and tool calls. Clear columns are only what queries need (ids, times, agent, tool
 * name, hashes); everything an agent said or saw is in `*_ct` columns, AES-256-GCM under a vault subkey.
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        stopped_at TEXT,
        clean INTEGER NOT NULL DEFAULT 0
      );

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        agent_session_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        end_reason TEXT,
        last_event_at TEXT NOT NULL,
        last_event_mono_us INTEGER NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0,
        meta_ct BLOB
      );
      CREATE INDEX sessions_open ON sessions(agent, agent_session_id) WHERE ended_at IS NULL;
      CREATE INDEX sessions_started ON sessions(started_at);

      -- Rows are ~1 KB (the ciphertext), so a rowid table; every per-session scan (sealing,
      -- verification, display) is a range scan of the (session_id, seq) index.
      CREATE TABLE events (
        id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        agent TEXT NOT NULL,
        kind TEXT NOT NULL,
        tool_name TEXT,
        tool_use_id TEXT,
        received_at TEXT NOT NULL,
        received_mono_us INTEGER NOT NULL,
        client TEXT NOT NULL,
        terminal_id TEXT,
        digest BLOB NOT NULL,
        payload_bytes INTEGER NOT NULL,
        payload_ct BLOB NOT NULL,
        UNIQUE (session_id, seq)
      );

      CREATE TABLE tool_calls (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        tool_use_id TEXT NOT NULL,
        tool_name TEXT NOT NULL,
        pre_event_id TEXT,
        post_event_id TEXT,
        started_at TEXT,
        started_mono_us INTEGER,
        ended_at TEXT,
        duration_ms REAL,
        outcome TEXT NOT NULL,
        PRIMARY KEY (session_id, tool_use_id)
      );
    `);
  },
};
