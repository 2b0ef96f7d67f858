import type { Database } from 'better-sqlite3';

/** A numbered schema step (Signal Desktop habit): applied once, in order, each in its own transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}
