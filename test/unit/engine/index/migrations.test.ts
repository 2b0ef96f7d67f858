import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migration001 } from '../../../../electron/engine/index/migrations/001-initial.ts';
import { migration002 } from '../../../../electron/engine/index/migrations/002-chain.ts';
import { MIGRATIONS } from '../../../../electron/engine/index/migrations/all.ts';
import { migrate, openIndex } from '../../../../electron/engine/index/open-index.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

describe('index migrations', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => {
    tmp.cleanup();
  });

  it('numbers migrations 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('001 creates sessions, events, tool_calls and runs with payloads only as ciphertext columns', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [migration001]);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(['events', 'runs', 'sessions', 'tool_calls']);
    const eventCols = db
      .prepare<[], { name: string }>('PRAGMA table_info(events)')
      .all()
      .map((c) => c.name);
    expect(eventCols).toContain('payload_ct');
    expect(
      eventCols.filter((c) => /payload|prompt|input|output/.test(c) && !c.endsWith('_ct') && c !== 'payload_bytes'),
    ).toEqual([]);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
  });

  it('002 adds the chain, the time-stamp queue and sealing columns to a version-1 index without losing rows', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [migration001]);
    db.prepare(
      "INSERT INTO sessions (id, agent, agent_session_id, started_at, last_event_at, last_event_mono_us, event_count) VALUES ('s1', 'claude-code', 'a', 't', 't', 1, 1)",
    ).run();
    db.prepare(
      "INSERT INTO events (id, session_id, seq, agent, kind, received_at, received_mono_us, client, digest, payload_bytes, payload_ct) VALUES ('e1', 's1', 1, 'claude-code', 'Stop', 't', 1, 'hook', x'00', 1, x'00')",
    ).run();
    migrate(db, [migration001, migration002]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['chain_records', 'tsa_queue', 'tsa_tokens', 'tsa_status']));
    expect(
      db.prepare<[], { sealed_seq: number; chain_final: number }>('SELECT sealed_seq, chain_final FROM sessions').get(),
    ).toEqual({ sealed_seq: 0, chain_final: 0 });
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 1 });
  });

  it('applies only what is missing and is idempotent', () => {
    const file = path.join(tmp.dir, 'i.sqlite');
    openIndex(file).close();
    const db = openIndex(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses an index written by a newer aev instead of damaging it', () => {
    const file = path.join(tmp.dir, 'future.sqlite');
    const db = openIndex(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => openIndex(file)).toThrow(/newer than this aev/);
  });
});
