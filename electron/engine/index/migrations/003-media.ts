import type { Migration } from '../migration.ts';

/**
 * Capture (DESIGN.md §4): sessions get a kind (an agent's events, a screen recording, an `aev run`
 * terminal) and media items: encrypted vault objects described by a clear canonical descriptor, sealed
 * per session like events (media 1..sealed_media are sealed; the rest are in the open window).
 */
export const migration003: Migration = {
  version: 3,
  name: 'media',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'agent';
      ALTER TABLE sessions ADD COLUMN media_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN sealed_media INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX sessions_kind_open ON sessions(kind) WHERE ended_at IS NULL;

      CREATE TABLE media (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        object_id TEXT NOT NULL UNIQUE,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        descriptor BLOB NOT NULL,
        leaf BLOB NOT NULL,
        PRIMARY KEY (session_id, seq)
      );
      CREATE INDEX media_time ON media(session_id, start_ms);
    `);
  },
};
