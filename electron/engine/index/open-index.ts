import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import { AevError } from '../../common/errors.ts';
import type { Migration } from './migration.ts';
import { MIGRATIONS } from './migrations/all.ts';

/**
 * Opens (creating if needed) the SQLite index. WAL for concurrent readers; synchronous=FULL so a
 * committed transaction survives power loss, which is what "acknowledged only when durable" means.
 */
export function openIndex(file: string, migrations: readonly Migration[] = MIGRATIONS): Database {
  const existed = fs.existsSync(file);
  let db: Database;
  try {
    // Created 0600 before SQLite touches it; SQLite gives the -wal and -shm files the same mode.
    if (!existed) fs.closeSync(fs.openSync(file, 'wx', 0o600));
    db = new BetterSqlite3(file);
  } catch (cause) {
    throw new AevError('E_IO', `cannot open the index at ${file}`, { file }, { cause });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Fewer, larger checkpoints: each one fsyncs the database file inside some unlucky commit.
  db.pragma('wal_autocheckpoint = 4000');
  migrate(db, migrations);
  return db;
}

/** Applies every migration above the database's `user_version`, each atomically with its version bump. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new AevError(
      'E_CONFIG',
      `the index is at schema version ${current}, newer than this aev (${latest}); upgrade aev`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}
