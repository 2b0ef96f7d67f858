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

/**
 * Puts captured media into the vault and the index (DESIGN.md §4–5): the bytes are encrypted from memory
 * into a vault object (invariant I1: no plaintext file ever exists), then one transaction gives the item
 * its per-session seq and its descriptor, whose SHA-256 is the leaf the next window seals (I2).
 * Items of one session must be added one at a time in capture order (callers chain their promises).
 */
export class MediaStore {
  readonly #db: Database;
  readonly #objects: ObjectStore;
  readonly #clock: Clock;
  readonly #insert: Statement;
  readonly #bump: Statement;
  readonly #count: Statement<[string], { media_count: number; chain_final: number }>;

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

  async add(sessionId: string, item: NewMedia): Promise<StoredMedia> {
    if (!(item.endMs >= item.startMs))
      throw new AevError('E_INTERNAL', `media interval ends before it starts (${item.startMs}..${item.endMs})`);
    const objectId = newId('m', this.#clock.now());
    try {
      await this.#objects.put(item.kind, objectId, item.bytes);
    } catch (cause) {
      throw storageError(cause, 'captured media');
    }
    const sha256 = createHash('sha256').update(item.bytes).digest('hex');
    try {
      return this.#insertItem(sessionId, item, objectId, sha256);
    } catch (cause) {
      // The row did not land: the encrypted object would be an orphan no record ever names.
      await this.#objects.delete(item.kind, objectId).catch(() => undefined);
      throw storageError(cause, 'captured media');
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
    const bytes = await this.#objects.get(row.kind, row.object_id);
    if (createHash('sha256').update(bytes).digest('hex') !== item.sha256)
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
