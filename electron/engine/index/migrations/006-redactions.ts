import type { Migration } from '../migration.ts';

/**
 * Secret redaction (docs/redaction.md): each event row says, in clear, what was redacted from its payload
 * before storage (a JSON array of `{"pattern","count"}`, null when nothing was), so `aev sessions show`
 * and `aev status` need not decrypt anything. The same summary is inside the sealed event (`meta`), and
 * `aev verify` checks that the two agree. Rows stored before this migration had nothing redacted: null.
 * The partial index holds only redacted events, so counting them costs what there is to count.
 */
export const migration006: Migration = {
  version: 6,
  name: 'redactions',
  up(db) {
    db.exec(`
      ALTER TABLE events ADD COLUMN redactions TEXT;
      CREATE INDEX events_redacted ON events(redactions) WHERE redactions IS NOT NULL;
    `);
  },
};
