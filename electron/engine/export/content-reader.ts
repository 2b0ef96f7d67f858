import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import type { MediaKind } from '../../common/model/media.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import { openBytes } from '../vault/aead.ts';
import type { Vault } from '../vault/vault.ts';
import { readAhead } from './read-ahead.ts';

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
  readonly bytes: Buffer;
  /** Hex SHA-256 of `bytes`, as sealed in the descriptor and checked against them. */
  readonly sha256: string;
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
  const rows = db
    .prepare<[string, number, number], { id: string; seq: number; digest: Buffer; payload_ct: Buffer }>(
      'SELECT id, seq, digest, payload_ct FROM events WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
    )
    .all(sessionId, firstSeq, lastSeq);
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

/** The media items a window seals, decrypted from the vault and checked against their descriptors. */
export async function* readContentMedia(
  db: Database,
  vault: Vault,
  sessionId: string,
  body: ChainRecordBody,
): AsyncGenerator<ContentMedia> {
  const { firstSeq, lastSeq, count } = body.media;
  if (count === 0 || firstSeq === null || lastSeq === null) return;
  const rows = db
    .prepare<[string, number, number], { seq: number; kind: MediaKind; object_id: string; descriptor: Buffer }>(
      'SELECT seq, kind, object_id, descriptor FROM media WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
    )
    .all(sessionId, firstSeq, lastSeq);
  if (rows.length !== count) throw corrupt(sessionId, body.seq, `${rows.length} of ${count} media items are stored`);
  // The next objects' files are read while this one is checked and archived: disk and CPU overlap.
  for await (const [r, bytes] of readAhead(rows, (row) => vault.objects.get(row.kind, row.object_id))) {
    const d = JSON.parse(r.descriptor.toString('utf8')) as { sha256?: unknown; bytes?: unknown };
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (d.bytes !== bytes.length || d.sha256 !== sha256)
      throw corrupt(sessionId, body.seq, `media item ${r.seq} does not match its descriptor`);
    yield {
      seq: r.seq,
      kind: r.kind,
      descriptor: r.descriptor,
      leaf: createHash('sha256').update(r.descriptor).digest('hex'),
      bytes,
      sha256,
    };
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
