import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migration001 } from '../../../../electron/engine/index/migrations/001-initial.ts';
import { migration002 } from '../../../../electron/engine/index/migrations/002-chain.ts';
import { migration003 } from '../../../../electron/engine/index/migrations/003-media.ts';
import { migration004 } from '../../../../electron/engine/index/migrations/004-access.ts';
import { migration005 } from '../../../../electron/engine/index/migrations/005-retention.ts';
import { migrate } from '../../../../electron/engine/index/open-index.ts';

describe('migration 005 (retention)', () => {
  it('adds legal holds (reason only as ciphertext) and purge state to a version-4 index without losing rows', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [migration001, migration002, migration003, migration004]);
    db.prepare(
      "INSERT INTO sessions (id, agent, agent_session_id, started_at, ended_at, last_event_at, last_event_mono_us) VALUES ('s1', 'claude-code', 'a', 't0', 't1', 't0', 1)",
    ).run();
    migrate(db, [migration001, migration002, migration003, migration004, migration005]);
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    const columns = (table: string): string[] =>
      db
        .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
        .all()
        .map((c) => c.name);
    expect(columns('retention_holds')).toEqual(['session_id', 'since', 'reason_ct']);
    expect(columns('retention_purges')).toEqual(
      expect.arrayContaining(['session_id', 'tombstone_seq', 'policy_days', 'started_at', 'finished_at']),
    );
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    // A hold or a purge names a session that exists (foreign keys are on in the engine's connection).
    db.pragma('foreign_keys = ON');
    expect(() =>
      db.prepare("INSERT INTO retention_holds (session_id, since, reason_ct) VALUES ('nope', 't', x'00')").run(),
    ).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO retention_holds (session_id, since, reason_ct) VALUES ('s1', 't', x'00')").run();
    // One purge per session: a second tombstone for the same session cannot be put on record.
    const purge = db.prepare(
      "INSERT INTO retention_purges (session_id, tombstone_seq, policy_days, started_at, events, media, bytes) VALUES ('s1', 3, 90, 't', 0, 0, 0)",
    );
    purge.run();
    expect(() => purge.run()).toThrow(/UNIQUE/);
  });
});
