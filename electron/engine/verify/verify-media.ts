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
  for (const m of rows) {
    const item = `${at} media ${m.seq}`;
    if (m.seq !== expected)
      report.fail(`${at} media ${expected}`, 'MEDIA_MISSING', `media items ${expected}..${m.seq - 1} are missing`);
    expected = m.seq + 1;
    const window = owners.owner.get(m.seq);
    // A purge deletes the object and keeps the descriptor (the leaf): only a valid tombstone excuses that.
    const purged = window !== undefined && purges.covers(window);
    const outcome = await checkItem(item, sessionId, m, read, report, purged);
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

async function checkItem(
  item: string,
  sessionId: string,
  m: MediaRow,
  read: MediaReader,
  report: ReportBuilder,
  purged: boolean,
): Promise<'checked' | 'purged'> {
  let descriptor: MediaDescriptor | null = null;
  try {
    descriptor = JSON.parse(m.descriptor.toString('utf8')) as MediaDescriptor;
  } catch {
    // reported below
  }
  if (
    descriptor === null ||
    !isCanonicalJson(m.descriptor) ||
    !createHash('sha256').update(m.descriptor).digest().equals(m.leaf) ||
    descriptor.sessionId !== sessionId ||
    descriptor.seq !== m.seq ||
    descriptor.kind !== m.kind ||
    descriptor.object !== m.object_id ||
    descriptor.bytes !== m.bytes ||
    !(MEDIA_KINDS as readonly string[]).includes(m.kind)
  ) {
    report.fail(item, 'MEDIA_DESCRIPTOR', 'the media descriptor does not match its row or its leaf');
    return 'checked';
  }
  let plain: { readonly size: number; readonly sha256: string };
  try {
    plain = await read(descriptor.kind, descriptor.object);
  } catch (error) {
    const missing = error instanceof AevError && error.code === 'E_OBJECT_MISSING';
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
