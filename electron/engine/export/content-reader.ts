import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import type { MediaKind } from '../../common/model/media.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import { prepared } from '../index/prepared.ts';
import { openBytes } from '../vault/aead.ts';
import type { Vault } from '../vault/vault.ts';
import type { ObjectReaderThread } from './object-reader-thread.ts';
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
  readonly descriptor: Buffer;
  /** Hex SHA-256 of the descriptor: the leaf input. */
  readonly leaf: string;
  /** The plaintext as the vault decrypted it (authenticated pieces), never joined: archived as is. */
  readonly content: StreamedContent;
  /** Hex SHA-256 of the content, as sealed in the descriptor and checked against it. */
  readonly sha256: string;
}

/**
 * A copy of an item's bytes in one buffer of its own, for the few consumers that keep them past the item
 * (stills for report.html, terminal chunks): the item's own bytes may be a reused slot.
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

/**
 * The media items a window seals, decrypted from the vault (on the reader thread) and checked against
 * their descriptors. An item's content is valid until the next one is asked for: keep a copy to keep it.
 */
export async function* readContentMedia(
  db: Database,
  reader: ObjectReaderThread,
  sessionId: string,
  body: ChainRecordBody,
): AsyncGenerator<ContentMedia> {
  const { firstSeq, lastSeq, count } = body.media;
  if (count === 0 || firstSeq === null || lastSeq === null) return;
  const rows = prepared<
    [string, number, number],
    { seq: number; kind: MediaKind; object_id: string; descriptor: Buffer }
  >(
    db,
    'SELECT seq, kind, object_id, descriptor FROM media WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
  ).all(sessionId, firstSeq, lastSeq);
  if (rows.length !== count) throw corrupt(sessionId, body.seq, `${rows.length} of ${count} media items are stored`);
  // The next objects' files are read while this one is checked and archived: disk and CPU overlap.
  for await (const [r, { content, sha256, release }] of readAhead(rows, (row) =>
    reader.read(row.kind, row.object_id),
  )) {
    try {
      const d = JSON.parse(r.descriptor.toString('utf8')) as { sha256?: unknown; bytes?: unknown };
      if (d.bytes !== content.size || d.sha256 !== sha256)
        throw corrupt(sessionId, body.seq, `media item ${r.seq} does not match its descriptor`);
      yield {
        seq: r.seq,
        kind: r.kind,
        descriptor: r.descriptor,
        leaf: createHash('sha256').update(r.descriptor).digest('hex'),
        content,
        sha256,
      };
    } finally {
      release();
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
