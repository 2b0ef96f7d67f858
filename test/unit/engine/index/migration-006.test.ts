import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../electron/engine/index/migrations/all.ts';
import { migration006 } from '../../../../electron/engine/index/migrations/006-redactions.ts';
import { migrate } from '../../../../electron/engine/index/open-index.ts';

describe('migration 006 (redactions)', () => {
  it('adds a clear redaction summary to events, null for events stored before it, without losing rows', () => {
    const db = new BetterSqlite3(':memory:');
    const before = MIGRATIONS.filter((m) => m.version < 6);
    migrate(db, before);
    db.prepare(
      "INSERT INTO sessions (id, agent, agent_session_id, started_at, last_event_at, last_event_mono_us, event_count) VALUES ('s1', 'claude-code', 'a', 't', 't', 1, 1)",
    ).run();
    db.prepare(
      "INSERT INTO events (id, session_id, seq, agent, kind, received_at, received_mono_us, client, digest, payload_bytes, payload_ct) VALUES ('e1', 's1', 1, 'claude-code', 'Stop', 't', 1, 'hook', x'00', 1, x'00')",
    ).run();
    migrate(db, [...before, migration006]);
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    expect(db.prepare<[], { redactions: string | null }>('SELECT redactions FROM events').get()).toEqual({
      redactions: null,
    });
    db.prepare(
      "INSERT INTO events (id, session_id, seq, agent, kind, received_at, received_mono_us, client, digest, payload_bytes, payload_ct, redactions) VALUES ('e2', 's1', 2, 'claude-code', 'Stop', 't', 1, 'hook', x'01', 1, x'00', ?)",
    ).run(JSON.stringify([{ pattern: 'github-token', count: 2 }]));
    // Counting redacted events reads the partial index, not the table.
    const plan = db
      .prepare<[], { detail: string }>('EXPLAIN QUERY PLAN SELECT COUNT(*) FROM events WHERE redactions IS NOT NULL')
      .all()
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toContain('events_redacted');
    expect(
      db
        .prepare<[], { n: number }>(
          "SELECT SUM(json_extract(j.value, '$.count')) AS n FROM events e, json_each(e.redactions) j WHERE e.redactions IS NOT NULL",
        )
        .get(),
    ).toEqual({ n: 2 });
    db.close();
  });
});
