import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import { MEDIA_KINDS } from '../../common/model/media.ts';
import type { MediaDescriptor, MediaKind } from '../../common/model/media.ts';
import { AevError } from '../../common/errors.ts';
import { isCanonicalJson } from '../seal/canonical-json.ts';
import { leafHash, merkleRoot } from '../seal/merkle.ts';
import type { ReportBuilder } from './report-builder.ts';
import { rootMatches, unownedVerdict, windowOwners } from './window-ranges.ts';
import type { PurgeLedger } from './purge-check.ts';
import { readAhead } from '../export/read-ahead.ts';

/** Media objects being decrypted and hashed at once: two per vault object worker on a 2-core machine. */
export const MEDIA_READ_AHEAD = 4;

/**
 * Decrypts one media object from the vault and gives its plaintext length and hex SHA-256 (throws
 * E_OBJECT_MISSING / E_OBJECT_CORRUPT). The vault does both in one streaming pass, segment by segment,
 * without holding the object's plaintext (ObjectStore.digest).
 */
export type MediaReader = (
  kind: MediaKind,
  objectId: string,
) => Promise<{ readonly size: number; readonly sha256: string }>;

interface MediaRow {
  seq: number;
  kind: string;
  object_id: string;
  bytes: number;
  descriptor: Buffer;
  leaf: Buffer;
}

/**
 * Checks a session's media like its events (invariant I5): each object decrypts (its AAD binds kind
 * and id), its SHA-256 and size match the canonical descriptor, the descriptor hash is the stored
 * leaf, and each window's media Merkle root matches the items it claims.
 */
export async function checkMedia(
  at: string,
  sessionId: string,
  bodies: ReadonlyMap<number, ChainRecordBody>,
  db: Database,
  read: MediaReader,
  report: ReportBuilder,
  purges: PurgeLedger,
): Promise<void> {
  const rows = db
    .prepare<[string], MediaRow>(
      'SELECT seq, kind, object_id, bytes, descriptor, leaf FROM media WHERE session_id = ? ORDER BY seq',
    )
    .all(sessionId);
  const owners = windowOwners(at, bodies, (b) => b.media, 'media', 'MEDIA_ROOT', report);
  const byWindow = new Map<number, MediaRow[]>();
  let expected = 1;
  // The objects are decrypted and hashed several at a time (the vault does that in worker threads, one
  // per core); the report still names the items in seq order.
  const checked = readAhead(
    rows.map((m) => ({ m, descriptor: descriptorOf(sessionId, m) })),
    ({ descriptor }) => (descriptor === null ? Promise.resolve(null) : readSettled(read, descriptor)),
    MEDIA_READ_AHEAD,
  );
  for await (const [{ m, descriptor }, plain] of checked) {
    const item = `${at} media ${m.seq}`;
    if (m.seq !== expected)
      report.fail(`${at} media ${expected}`, 'MEDIA_MISSING', `media items ${expected}..${m.seq - 1} are missing`);
    expected = m.seq + 1;
    const window = owners.owner.get(m.seq);
    // A purge deletes the object and keeps the descriptor (the leaf): only a valid tombstone excuses that.
    const purged = window !== undefined && purges.covers(window);
    const outcome = checkItem(item, descriptor, plain, report, purged);
    if (purged) purges.noteMedia(window, { seq: m.seq, leafInput: m.leaf }, outcome === 'purged');
    if (window !== undefined) {
      byWindow.set(window, [...(byWindow.get(window) ?? []), m]);
      continue;
    }
    const verdict = unownedVerdict(m.seq, owners);
    if (verdict === 'orphaned') report.fail(item, 'MEDIA_ORPHANED', 'no record seals this media item');
    else if (verdict === 'after-final') report.fail(item, 'MEDIA_UNSEALED', 'a media item after the final record');
    else report.pending(item, 'MEDIA_UNSEALED', 'captured, not sealed yet (the open window)');
  }
  for (const [seq, body] of bodies) {
    const items = byWindow.get(seq) ?? [];
    const root = merkleRoot(items.map((m) => leafHash(m.leaf))).toString('hex');
    const item = `${at} record ${seq} media`;
    if (
      !rootMatches(
        body.media,
        items.map((m) => m.seq),
        root,
      )
    ) {
      report.fail(
        item,
        'MEDIA_ROOT',
        `the record seals ${body.media.count} media items (${String(body.media.firstSeq)}..${String(body.media.lastSeq)}) but ${items.length} stored items give another Merkle root`,
      );
    } else if (items.length > 0) {
      report.pass(item, `${items.length} media items match the Merkle root`);
    }
  }
}

/** The row's descriptor when it is canonical, hashes to the leaf and matches its row; otherwise null. */
function descriptorOf(sessionId: string, m: MediaRow): MediaDescriptor | null {
  let descriptor: MediaDescriptor | null = null;
  try {
    descriptor = JSON.parse(m.descriptor.toString('utf8')) as MediaDescriptor;
  } catch {
    return null;
  }
  const matches =
    isCanonicalJson(m.descriptor) &&
    createHash('sha256').update(m.descriptor).digest().equals(m.leaf) &&
    descriptor.sessionId === sessionId &&
    descriptor.seq === m.seq &&
    descriptor.kind === m.kind &&
    descriptor.object === m.object_id &&
    descriptor.bytes === m.bytes &&
    (MEDIA_KINDS as readonly string[]).includes(m.kind);
  return matches ? descriptor : null;
}

type Plain = { readonly size: number; readonly sha256: string } | { readonly error: unknown };

/** The object's digest, or why it could not be read: a read never rejects (readAhead holds several). */
function readSettled(read: MediaReader, descriptor: MediaDescriptor): Promise<Plain> {
  return read(descriptor.kind, descriptor.object).then(
    (plain) => plain,
    (error: unknown) => ({ error }),
  );
}

function checkItem(
  item: string,
  descriptor: MediaDescriptor | null,
  plain: Plain | null,
  report: ReportBuilder,
  purged: boolean,
): 'checked' | 'purged' {
  if (descriptor === null || plain === null) {
    report.fail(item, 'MEDIA_DESCRIPTOR', 'the media descriptor does not match its row or its leaf');
    return 'checked';
  }
  if ('error' in plain) {
    const missing = plain.error instanceof AevError && plain.error.code === 'E_OBJECT_MISSING';
    if (missing && purged) return 'purged';
    report.fail(
      item,
      missing ? 'MEDIA_MISSING' : 'MEDIA_CIPHERTEXT',
      missing ? 'the encrypted media object is gone' : 'the encrypted media object does not decrypt (altered or moved)',
    );
    return 'checked';
  }
  if (plain.size !== descriptor.bytes || plain.sha256 !== descriptor.sha256)
    report.fail(item, 'MEDIA_DIGEST', 'the media bytes do not match their sealed SHA-256');
  return 'checked';
}
