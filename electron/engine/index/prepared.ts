import type { Database, Statement } from 'better-sqlite3';

const caches = new WeakMap<Database, Map<string, Statement>>();

/**
 * `db.prepare(sql)`, compiled once per connection: code that runs the same query per window or per event
 * (the exporter asks for each of an hour's 1,083 windows' events and media) otherwise pays SQLite's
 * parser and planner every time (~0.2 s of an hour's export, measured). Only for statements run to
 * completion (`get`, `all`, `run`): an `iterate` left open would make the cached statement busy for the
 * next caller.
 */
export function prepared<P extends unknown[], R>(db: Database, sql: string): Statement<P, R> {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement as Statement<P, R>;
}
