import type { Migration } from '../migration.ts';

/**
 * Retention (docs/retention.md): legal holds, and the state of each purge. A purge row is written in
 * the same transaction as the session's signed tombstone record, before any content is deleted, so a
 * purge that a crash interrupts is found here and finished (`finished_at IS NULL`). The hold reason is
 * what a person typed about a legal matter: stored only encrypted (AES-256-GCM under the index-fields
 * subkey, AAD binding the session id), like every other sensitive column.
 */
export const migration005: Migration = {
  version: 5,
  name: 'retention',
  up(db) {
    db.exec(`
      CREATE TABLE retention_holds (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id),
        since TEXT NOT NULL,
        reason_ct BLOB NOT NULL
      );

      CREATE TABLE retention_purges (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id),
        tombstone_seq INTEGER NOT NULL,
        policy_days INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        events INTEGER NOT NULL,
        media INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        -- Media objects found and deleted (an object already absent at the resume of a purge is not counted).
        objects_deleted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX retention_purges_open ON retention_purges(session_id) WHERE finished_at IS NULL;
      -- Due sessions are found by their end.
      CREATE INDEX sessions_ended ON sessions(ended_at) WHERE ended_at IS NOT NULL;
    `);
  },
};
