import type { Database } from 'better-sqlite3';
import type { RecordedAccess, ViewKind } from './access-entry.ts';
import type { AccessLog } from './access-log.ts';
import { listAccess } from './access-reader.ts';
import type { AccessLogListing } from './access-reader.ts';

/** What the control API needs of the access log: note views, take entries from the CLI, list. */
export interface AccessApi {
  viewed(sessionId: string, what: ViewKind): void;
  record(entries: readonly unknown[]): RecordedAccess[];
  list(limit: number): AccessLogListing;
}

export function accessApi(log: AccessLog, db: Database, fieldKey: Buffer): AccessApi {
  return {
    viewed: (sessionId, what) => {
      log.viewed(sessionId, what);
    },
    record: (entries) => log.record(entries),
    list: (limit) => listAccess(db, fieldKey, limit),
  };
}
