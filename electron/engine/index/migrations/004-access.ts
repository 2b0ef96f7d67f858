import type { Migration } from '../migration.ts';

/**
 * The access log (DESIGN.md §5: "every export, view and purge is itself an event in a chain") and clip
 * requests (docs/requests-and-access-log.md). Access entries are events of one internal session of kind
 * `access`, so they are encrypted, sealed, signed and time-stamped like any session; this migration only
 * guarantees there is at most one such session, and keeps the decisions on clip requests: a request is
 * decided once, so its nonce is the key. The evidence of a decision is its sealed access entry
 * (`access_event_id`); this table is the index that refuses a replay.
 */
export const migration004: Migration = {
  version: 4,
  name: 'access',
  up(db) {
    db.exec(`
      CREATE UNIQUE INDEX sessions_one_access_log ON sessions(kind) WHERE kind = 'access';

      CREATE TABLE request_decisions (
        nonce TEXT PRIMARY KEY,
        request_sha256 TEXT NOT NULL,
        requester TEXT NOT NULL,
        session_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'denied')),
        decided_at TEXT NOT NULL,
        access_event_id TEXT NOT NULL REFERENCES events(id)
      );
    `);
  },
};
