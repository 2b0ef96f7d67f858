import type { Database } from 'better-sqlite3';
import type { MediaKind } from '../../common/model/media.ts';
import type { ObjectStore } from '../vault/object-store.ts';

export interface ContentDeletion {
  /** Encrypted media objects found and deleted by this call. */
  readonly objectsDeleted: number;
  /** The engine is stopping: the rest is left for the next run (the purge row stays open). */
  readonly interrupted: boolean;
}

// Deletions are fsync-bound (rm, then fsync of the shard folder): a few in flight overlap those waits.
const DELETE_CONCURRENCY = 8;

/**
 * Deletes a session's content, and only its content (docs/retention.md "What a purge deletes"): event
 * payload ciphertexts, the session's encrypted metadata, and every media object (video init segments and
 * fragments, terminal chunks, stills, transcript chunks). Kept: event digests, media descriptors and
 * leaves, chain records, signatures and tokens, which is all a verifier needs to recompute every Merkle
 * root and link. Idempotent, so a purge interrupted anywhere in here is finished by running it again.
 */
export async function deleteSessionContent(
  db: Database,
  objects: ObjectStore,
  sessionId: string,
  stopping: () => boolean,
): Promise<ContentDeletion> {
  clearIndexContent(db, sessionId);
  const items = db
    .prepare<[string], { kind: MediaKind; object_id: string }>(
      'SELECT kind, object_id FROM media WHERE session_id = ? ORDER BY seq',
    )
    .all(sessionId);
  let deleted = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stopping()) {
      const item = items[next++];
      if (item === undefined || !objects.has(item.kind, item.object_id)) continue;
      // ObjectStore.delete removes the file and syncs its folder: once this resolves, the removal is durable.
      await objects.delete(item.kind, item.object_id);
      deleted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, items.length) }, worker));
  // Every item taken was finished before its worker looked at `stopping` again.
  return { objectsDeleted: deleted, interrupted: next < items.length };
}

/**
 * Empties the payload ciphertexts (a zero-length blob: the column is NOT NULL, and an empty ciphertext is
 * what the verifier accepts as purged, only under a tombstone) in one transaction. SQLite keeps freed
 * cells in the file until reused; secure_delete zeroes them as they are freed, and the WAL frames that
 * still hold the old pages are truncated by the checkpoint that ends each retention run.
 */
function clearIndexContent(db: Database, sessionId: string): void {
  const before = Number(db.pragma('secure_delete', { simple: true }));
  db.pragma('secure_delete = ON');
  try {
    db.transaction(() => {
      db.prepare("UPDATE events SET payload_ct = X'' WHERE session_id = ? AND length(payload_ct) > 0").run(sessionId);
      db.prepare('UPDATE sessions SET meta_ct = NULL WHERE id = ?').run(sessionId);
    })();
  } finally {
    db.pragma(`secure_delete = ${before === 1 ? 'ON' : 'OFF'}`);
  }
}
