import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migration001 } from '../../../../electron/engine/index/migrations/001-initial.ts';
import { migration002 } from '../../../../electron/engine/index/migrations/002-chain.ts';
import { migration003 } from '../../../../electron/engine/index/migrations/003-media.ts';
import { migration004 } from '../../../../electron/engine/index/migrations/004-access.ts';
import { MIGRATIONS } from '../../../../electron/engine/index/migrations/all.ts';
import { migrate } from '../../../../electron/engine/index/open-index.ts';

const UP_TO_3 = [migration001, migration002, migration003];

function sessionRow(db: BetterSqlite3.Database, id: string, kind: string): void {
  db.prepare(
    `INSERT INTO sessions (id, kind, agent, agent_session_id, started_at, last_event_at, last_event_mono_us)
     VALUES (?, ?, 'aev', ?, 't', 't', 0)`,
  ).run(id, kind, id);
}

function eventRow(db: BetterSqlite3.Database, id: string, sessionId: string, seq: number): void {
  db.prepare(
    `INSERT INTO events (id, session_id, seq, agent, kind, received_at, received_mono_us, client, digest, payload_bytes, payload_ct)
     VALUES (?, ?, ?, 'aev', 'export', 't', 0, 'cli', x'00', 1, x'00')`,
  ).run(id, sessionId, seq);
}

function decision(db: BetterSqlite3.Database, nonce: string, eventId: string, what = 'approved'): void {
  db.prepare(
    `INSERT INTO request_decisions (nonce, request_sha256, requester, session_id, decision, decided_at, access_event_id)
     VALUES (?, 'h', 'SHA256:k', 's1', ?, 't', ?)`,
  ).run(nonce, what, eventId);
}

describe('migration 004 (access log and clip request decisions)', () => {
  it('is in the list as version 4, right after the media migration', () => {
    expect(MIGRATIONS.find((m) => m.version === 4)).toBe(migration004);
    expect(MIGRATIONS.indexOf(migration004)).toBe(MIGRATIONS.indexOf(migration003) + 1);
  });

  it('upgrades a version-3 index without losing its sessions and events', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, UP_TO_3);
    sessionRow(db, 's1', 'agent');
    eventRow(db, 'e1', 's1', 1);
    migrate(db, [...UP_TO_3, migration004]);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 1 });
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name);
    expect(tables).toContain('request_decisions');
  });

  it('allows one access session per index, and any number of other sessions', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [...UP_TO_3, migration004]);
    sessionRow(db, 'a1', 'access');
    sessionRow(db, 's1', 'agent');
    sessionRow(db, 's2', 'agent');
    expect(() => {
      sessionRow(db, 'a2', 'access');
    }).toThrow(/UNIQUE/);
  });

  it('decides a request nonce once, only as approved or denied, and only against an existing entry', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [...UP_TO_3, migration004]);
    sessionRow(db, 'a1', 'access');
    eventRow(db, 'e1', 'a1', 1);
    eventRow(db, 'e2', 'a1', 2);
    decision(db, 'n1', 'e1');
    expect(() => {
      decision(db, 'n1', 'e2', 'denied');
    }).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => {
      decision(db, 'n2', 'e2', 'maybe');
    }).toThrow(/CHECK/);
    expect(() => {
      decision(db, 'n3', 'no-such-event');
    }).toThrow(/FOREIGN KEY/);
  });
});
