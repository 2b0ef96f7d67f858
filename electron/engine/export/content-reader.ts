import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import type { MediaKind } from '../../common/model/media.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import { prepared } from '../index/prepared.ts';
import { openBytes } from '../vault/aead.ts';
import type { Vault } from '../vault/vault.ts';
import { READER_AHEAD, READER_GROUP } from './object-reader-thread.ts';
import type { ObjectReaderThread, ReadObject } from './object-reader-thread.ts';
import { readAhead } from './read-ahead.ts';
import type { StreamedContent } from './ustar-writer.ts';

export interface ContentEvent {
  readonly seq: number;
  /** Hex SHA-256 of the stored bytes: the leaf input. */
  readonly digest: string;
  /** The stored plaintext bytes ({"meta":…,"received":…}). */
  readonly plain: Buffer;
}

export interface ContentMedia {
  readonly seq: number;
  readonly kind: string;
  /** The vault object holding its bytes (to read them again: report.html's stills). */
  readonly objectId: string;
  readonly descriptor: Buffer;
  /** Hex SHA-256 of the descriptor: the leaf input. */
  readonly leaf: string;
  /** The plaintext as the vault decrypted it (authenticated pieces), never joined: archived as is. */
  readonly content: StreamedContent;
  /** Hex SHA-256 of the content, as sealed in the descriptor and checked against it. */
  readonly sha256: string;
}

/**
 * A copy of an item's bytes in one buffer of its own, for the consumers that keep them past the item
 * (terminal chunks): the item's own bytes may be a reused slot.
 */
export function joinedContent(content: StreamedContent): Buffer {
  return Buffer.concat([...content.pieces()], content.size);
}

/**
 * A vault object's plaintext pieces, its size and hex SHA-256, hashed as they are decrypted. They are
 * not joined: an hour's media is ~700 MB, and a copy of each object (plus the page faults and garbage
 * collection of a fresh buffer per object) cost the export more than the hashing. An object that fails
 * authentication throws before any of its pieces is used.
 */
export async function readObjectPieces(
  vault: Vault,
  kind: MediaKind,
  id: string,
): Promise<{ readonly content: StreamedContent; readonly sha256: string }> {
  const hash = createHash('sha256');
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of vault.objects.stream(kind, id)) {
    hash.update(piece);
    pieces.push(piece);
    size += piece.length;
  }
  return { content: { size, pieces: () => pieces }, sha256: hash.digest('hex') };
}

/**
 * The events a window seals, decrypted (AES-256-GCM, AAD = the event id) and checked against their
 * digests: an export never ships bytes that would fail their own proof. Refuses a window whose stored
 * events do not match what the record claims (run `aev verify` to see why).
 */
export function readContentEvents(
  db: Database,
  fieldKey: Buffer,
  sessionId: string,
  body: ChainRecordBody,
): ContentEvent[] {
  const { firstSeq, lastSeq, count } = body.events;
  if (count === 0 || firstSeq === null || lastSeq === null) return [];
  const rows = prepared<[string, number, number], { id: string; seq: number; digest: Buffer; payload_ct: Buffer }>(
    db,
    'SELECT id, seq, digest, payload_ct FROM events WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
  ).all(sessionId, firstSeq, lastSeq);
  if (rows.length !== count) throw corrupt(sessionId, body.seq, `${rows.length} of ${count} events are stored`);
  return rows.map((r) => {
    let plain: Buffer;
    try {
      plain = openBytes(fieldKey, r.payload_ct, payloadAad(r.id));
    } catch (cause) {
      throw corrupt(sessionId, body.seq, `event ${r.seq} does not decrypt`, cause);
    }
    const digest = createHash('sha256').update(plain).digest();
    if (!digest.equals(r.digest)) throw corrupt(sessionId, body.seq, `event ${r.seq} does not match its digest`);
    return { seq: r.seq, digest: digest.toString('hex'), plain };
  });
}

interface MediaRow {
  readonly seq: number;
  readonly kind: MediaKind;
  readonly object_id: string;
  readonly descriptor: Buffer;
}

/**
 * The media items of a session's exported windows, decrypted from the vault (on the reader thread) and
 * checked against their descriptors, window by window. The vault is read ahead across window boundaries:
 * with a read-ahead per window, the reader thread sat idle while the engine thread archived each window's
 * records, tokens and events, and the next window then started with nothing read (the reader is the
 * slower side while media are archived, so each window paid for its first reads twice).
 */
export class SessionMedia {
  readonly #sessionId: string;
  readonly #rows = new Map<number, readonly MediaRow[]>();
  readonly #items: AsyncGenerator<[MediaRow, ReadObject]>;

  /** `bodies`: the windows whose media will be asked for, in the order `window` will be called. */
  constructor(db: Database, reader: ObjectReaderThread, sessionId: string, bodies: readonly ChainRecordBody[]) {
    this.#sessionId = sessionId;
    const all: MediaRow[] = [];
    for (const body of bodies) {
      const { firstSeq, lastSeq, count } = body.media;
      if (count === 0 || firstSeq === null || lastSeq === null) continue;
      const rows = prepared<[string, number, number], MediaRow>(
        db,
        'SELECT seq, kind, object_id, descriptor FROM media WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
      ).all(sessionId, firstSeq, lastSeq);
      this.#rows.set(body.seq, rows);
      // A window whose rows do not match its record is refused when its turn comes; none of its
      // objects are read ahead, so the reads stay in step with the windows before it.
      if (rows.length === count) all.push(...rows);
    }
    this.#items = readAhead(all, (row) => reader.read(row.kind, row.object_id), READER_AHEAD, READER_GROUP);
  }

  /** One window's items, in seq order. An item's content is valid until the next one is asked for. */
  async *window(body: ChainRecordBody): AsyncGenerator<ContentMedia> {
    const { firstSeq, lastSeq, count } = body.media;
    if (count === 0 || firstSeq === null || lastSeq === null) return;
    const rows = this.#rows.get(body.seq) ?? [];
    if (rows.length !== count)
      throw corrupt(this.#sessionId, body.seq, `${rows.length} of ${count} media items are stored`);
    for (const row of rows) {
      const next = await this.#items.next();
      if (next.done === true || next.value[0] !== row)
        throw new AevError('E_INTERNAL', `media of window ${body.seq} were asked for out of order`);
      const { content, sha256, release } = next.value[1];
      try {
        const d = JSON.parse(row.descriptor.toString('utf8')) as { sha256?: unknown; bytes?: unknown };
        if (d.bytes !== content.size || d.sha256 !== sha256)
          throw corrupt(this.#sessionId, body.seq, `media item ${row.seq} does not match its descriptor`);
        yield {
          seq: row.seq,
          kind: row.kind,
          objectId: row.object_id,
          descriptor: row.descriptor,
          leaf: createHash('sha256').update(row.descriptor).digest('hex'),
          content,
          sha256,
        };
      } finally {
        release();
      }
    }
  }
}

function corrupt(sessionId: string, record: number, what: string, cause?: unknown): AevError {
  return new AevError(
    'E_OBJECT_CORRUPT',
    `cannot export window ${record} of session ${sessionId}: ${what} (run \`aev verify --session ${sessionId}\`)`,
    { sessionId, record },
    cause === undefined ? undefined : { cause },
  );
}
