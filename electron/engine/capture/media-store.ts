import type { Database, Statement } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { MediaDescriptor, MediaItem, MediaKind } from '../../common/model/media.ts';
import type { Clock } from '../runtime/clock.ts';
import { newId } from '../runtime/ids.ts';
import { canonicalJson } from '../seal/canonical-json.ts';
import { storageError } from '../ingest/event-writer.ts';
import type { ObjectStore } from '../vault/object-store.ts';

export interface NewMedia {
  readonly kind: MediaKind;
  readonly bytes: Buffer;
  readonly startMs: number;
  readonly endMs: number;
  readonly info?: Readonly<Record<string, string | number | boolean>>;
}

export interface StoredMedia {
  readonly sessionId: string;
  readonly seq: number;
  readonly descriptor: MediaDescriptor;
}

interface MediaRow {
  seq: number;
  kind: MediaKind;
  object_id: string;
  start_ms: number;
  end_ms: number;
  bytes: number;
  descriptor: Buffer;
  leaf: Buffer;
}

/** One `add` between its call and its row. */
interface Pending {
  readonly sessionId: string;
  readonly item: NewMedia;
  readonly objectId: string;
  /** Set once the object is durable (its plaintext SHA-256), or the write's error. */
  outcome: { readonly sha256: string } | { readonly error: AevError } | null;
  readonly resolve: (stored: StoredMedia) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Puts captured media into the vault and the index (DESIGN.md §4–5): the bytes are encrypted from memory
 * into a vault object (invariant I1: no plaintext file ever exists), then one transaction gives the item
 * its per-session seq and its descriptor, whose SHA-256 is the leaf the next window seals (I2).
 *
 * Pipelined: `add` may be called again before the previous call's promise settles. As many objects
 * as the vault suggests (`ObjectStore.writesInFlight`) are encrypted and written at once (one written while
 * another syncs), but rows are inserted strictly in call order per session, and a row is inserted only once
 * its object is durable (temp file fsync'd, renamed, folder fsync'd): the sealer reads committed rows
 * only, so no chain record can seal, and become durable before, an object that is not on disk. Items
 * whose objects are ready together share one fsync'd commit (if that fails, each is tried alone, so one
 * refused row does not take its neighbours with it). A refused item does not hold back those after it; they
 * take the next seqs.
 */
export class MediaStore {
  readonly #db: Database;
  readonly #objects: ObjectStore;
  readonly #clock: Clock;
  readonly #insert: Statement;
  readonly #bump: Statement;
  readonly #count: Statement<[string], { media_count: number; chain_final: number }>;
  readonly #queues = new Map<string, Pending[]>();
  readonly #slotWaiters: (() => void)[] = [];
  #writing = 0;

  constructor(db: Database, objects: ObjectStore, clock: Clock) {
    this.#db = db;
    this.#objects = objects;
    this.#clock = clock;
    this.#insert = db.prepare(
      `INSERT INTO media (session_id, seq, kind, object_id, start_ms, end_ms, bytes, descriptor, leaf)
       VALUES (@sessionId, @seq, @kind, @objectId, @startMs, @endMs, @bytes, @descriptor, @leaf)`,
    );
    this.#bump = db.prepare('UPDATE sessions SET media_count = ? WHERE id = ?');
    this.#count = db.prepare('SELECT media_count, chain_final FROM sessions WHERE id = ?');
  }

  add(sessionId: string, item: NewMedia): Promise<StoredMedia> {
    if (!(item.endMs >= item.startMs))
      return Promise.reject(
        new AevError('E_INTERNAL', `media interval ends before it starts (${item.startMs}..${item.endMs})`),
      );
    const objectId = newId('m', this.#clock.now());
    return new Promise<StoredMedia>((resolve, reject) => {
      const pending: Pending = { sessionId, item, objectId, outcome: null, resolve, reject };
      const queue = this.#queues.get(sessionId);
      if (queue === undefined) this.#queues.set(sessionId, [pending]);
      else queue.push(pending);
      void this.#write(pending);
    });
  }

  async #write(p: Pending): Promise<void> {
    if (this.#writing >= this.#objects.writesInFlight) await new Promise<void>((go) => this.#slotWaiters.push(go));
    this.#writing += 1;
    try {
      const put = await this.#objects.put(p.item.kind, p.objectId, p.item.bytes);
      p.outcome = { sha256: put.sha256 };
    } catch (cause) {
      p.outcome = { error: storageError(cause, 'captured media') };
    } finally {
      this.#writing -= 1;
      this.#slotWaiters.shift()?.();
    }
    this.#insertReady(p.sessionId);
  }

  /** Inserts the rows of the session's items whose objects are durable, from the head of its queue. */
  #insertReady(sessionId: string): void {
    const queue = this.#queues.get(sessionId) ?? [];
    const ready: Pending[] = [];
    while (queue[0]?.outcome != null) ready.push(queue.shift() as Pending);
    if (queue.length === 0) this.#queues.delete(sessionId);
    if (ready.length === 0) return;
    const written = ready.filter((p) => p.outcome !== null && 'sha256' in p.outcome);
    const results = new Map<Pending, StoredMedia | AevError>();
    const insert = (p: Pending): StoredMedia =>
      this.#insertItem(sessionId, p.item, p.objectId, (p.outcome as { sha256: string }).sha256);
    try {
      this.#db.transaction(() => {
        for (const p of written) results.set(p, insert(p));
      })();
    } catch {
      // Nothing of the batch landed (SQLite may roll a whole transaction back on SQLITE_FULL, so no
      // savepoints): each item alone, to give each its own outcome.
      for (const p of written) {
        try {
          results.set(p, insert(p));
        } catch (cause) {
          results.set(p, storageError(cause, 'captured media'));
        }
      }
    }
    for (const p of ready) {
      const result = p.outcome !== null && 'error' in p.outcome ? p.outcome.error : results.get(p);
      if (result !== undefined && !(result instanceof AevError)) {
        p.resolve(result);
        continue;
      }
      const error = result ?? new AevError('E_INTERNAL', 'a media item was neither stored nor refused');
      if (!written.includes(p)) {
        p.reject(error);
        continue;
      }
      // The row did not land: the encrypted object would be an orphan no record ever names.
      void this.#objects
        .delete(p.item.kind, p.objectId)
        .catch(() => undefined)
        .then(() => {
          p.reject(error);
        });
    }
  }

  #insertItem(sessionId: string, item: NewMedia, objectId: string, sha256: string): StoredMedia {
    return this.#db.transaction((): StoredMedia => {
      const session = this.#count.get(sessionId);
      if (session === undefined) throw new AevError('E_NOT_FOUND', `no session ${sessionId}`);
      if (session.chain_final === 1)
        throw new AevError('E_INTERNAL', `session ${sessionId} is sealed for good; no media can join it`);
      const seq = session.media_count + 1;
      const descriptor: MediaDescriptor = {
        v: 1,
        sessionId,
        seq,
        kind: item.kind,
        object: objectId,
        sha256,
        bytes: item.bytes.length,
        start: new Date(item.startMs).toISOString(),
        end: new Date(item.endMs).toISOString(),
        info: item.info ?? {},
      };
      const bytes = canonicalJson(descriptor);
      this.#insert.run({
        sessionId,
        seq,
        kind: item.kind,
        objectId,
        startMs: Math.floor(item.startMs),
        endMs: Math.ceil(item.endMs),
        bytes: item.bytes.length,
        descriptor: bytes,
        leaf: createHash('sha256').update(bytes).digest(),
      });
      this.#bump.run(seq, sessionId);
      return { sessionId, seq, descriptor };
    })();
  }

  /** The decrypted bytes of one item, checked against its sealed SHA-256. */
  async read(sessionId: string, seq: number): Promise<{ readonly item: MediaItem; readonly bytes: Buffer }> {
    const row = this.#db
      .prepare<[string, number], MediaRow>('SELECT * FROM media WHERE session_id = ? AND seq = ?')
      .get(sessionId, seq);
    if (row === undefined) throw new AevError('E_NOT_FOUND', `no media item ${seq} in session ${sessionId}`);
    const item = toItem(row);
    const { bytes, sha256 } = await this.#objects.getWithDigest(row.kind, row.object_id);
    if (sha256 !== item.sha256)
      throw new AevError('E_OBJECT_CORRUPT', `media item ${seq} of session ${sessionId} does not match its digest`);
    return { item, bytes };
  }

  /** Items of a session overlapping [fromMs, toMs), in seq order. */
  list(sessionId: string, fromMs = -Infinity, toMs = Infinity): MediaItem[] {
    return this.#db
      .prepare<[{ s: string; from: number; to: number }], MediaRow>(
        'SELECT * FROM media WHERE session_id = @s AND end_ms >= @from AND start_ms < @to ORDER BY seq',
      )
      .all({
        s: sessionId,
        from: Number.isFinite(fromMs) ? fromMs : -8.64e15,
        to: Number.isFinite(toMs) ? toMs : 8.64e15,
      })
      .map(toItem);
  }
}

function toItem(row: MediaRow): MediaItem {
  const d = JSON.parse(row.descriptor.toString('utf8')) as MediaDescriptor;
  return { seq: row.seq, kind: row.kind, start: d.start, end: d.end, bytes: row.bytes, sha256: d.sha256, info: d.info };
}
