import type { Database } from 'better-sqlite3';
import type { ChainRecordBody, PurgeSummary } from '../../common/model/chain.ts';
import { itemsSummary, sameSummary } from '../retention/purge-summary.ts';
import type { SealedItem } from '../retention/purge-summary.ts';
import { DAY_MS } from '../retention/retention-policy.ts';
import type { ReportBuilder } from './report-builder.ts';

interface Tombstone {
  readonly seq: number;
  readonly body: ChainRecordBody;
  readonly purge: PurgeSummary;
  readonly events: SealedItem[];
  readonly media: SealedItem[];
  /** Items under the tombstone whose content is still there (a purge interrupted before it finished). */
  left: number;
}

/**
 * What the session's tombstones excuse (docs/retention.md "Verification"). Only a tombstone whose own
 * record checks all passed (schema, canonical form, hash, link, device, SSHSIG) counts: a forged or
 * altered one excuses nothing, so the content it claims to have purged fails as missing (invariant I5).
 * Under a valid tombstone, content that is gone is reported once per tombstone as PURGED, content still
 * there is checked as usual, and the tombstone's own claims (counts, seq ranges, the Merkle roots over
 * what it deleted, the session end and the policy) are recomputed from the hashes the purge kept.
 */
export class PurgeLedger {
  readonly #byRecord = new Map<number, Tombstone>();
  readonly #tombstones: Tombstone[] = [];

  constructor(bodies: ReadonlyMap<number, ChainRecordBody>, trusted: ReadonlySet<number>) {
    for (const [seq, body] of [...bodies].sort((a, b) => a[0] - b[0])) {
      if (body.kind !== 'tombstone' || body.purge === undefined || !trusted.has(seq)) continue;
      const t: Tombstone = { seq, body, purge: body.purge, events: [], media: [], left: 0 };
      this.#tombstones.push(t);
      // The schema bounds the range below the tombstone's own seq, so this walks existing records only.
      for (let r = body.purge.records.firstSeq; r <= body.purge.records.lastSeq; r++)
        if (!this.#byRecord.has(r)) this.#byRecord.set(r, t);
    }
  }

  /** Whether the content sealed by this record was purged under a valid tombstone. */
  covers(recordSeq: number | undefined): boolean {
    return recordSeq !== undefined && this.#byRecord.has(recordSeq);
  }

  /** An event sealed by a covered record: `gone` when its payload ciphertext was emptied by the purge. */
  noteEvent(recordSeq: number, item: SealedItem, gone: boolean): void {
    const t = this.#byRecord.get(recordSeq);
    if (t === undefined) return;
    t.events.push(item);
    if (!gone) t.left++;
  }

  /** A media item sealed by a covered record: `gone` when its encrypted object was deleted. */
  noteMedia(recordSeq: number, item: SealedItem, gone: boolean): void {
    const t = this.#byRecord.get(recordSeq);
    if (t === undefined) return;
    t.media.push(item);
    if (!gone) t.left++;
  }

  /** One item per tombstone: PURGED, or PURGE_MISMATCH naming what the tombstone claims wrongly. */
  report(at: string, bodies: ReadonlyMap<number, ChainRecordBody>, report: ReportBuilder): void {
    for (const t of this.#tombstones) {
      const { purge } = t;
      const item = `${at} records ${purge.records.firstSeq}..${purge.records.lastSeq} content`;
      const wrong: string[] = [];
      const ended = bodies.get(purge.records.lastSeq);
      if (ended?.to !== purge.endedAt)
        wrong.push(`the session end ${purge.endedAt} is not where record ${purge.records.lastSeq} ends`);
      if (Date.parse(t.body.sealedAt) < Date.parse(purge.endedAt) + purge.policyDays * DAY_MS)
        wrong.push(
          `it was sealed ${t.body.sealedAt}, before the ${purge.policyDays}-day period after ${purge.endedAt} was over`,
        );
      if (!sameSummary(itemsSummary(t.events), purge.events))
        wrong.push(
          `its events (${purge.events.count}, root ${purge.events.root.slice(0, 12)}…) are not the ${t.events.length} events those records sealed`,
        );
      if (!sameSummary(itemsSummary(t.media), purge.media))
        wrong.push(
          `its media (${purge.media.count}, root ${purge.media.root.slice(0, 12)}…) are not the ${t.media.length} media items those records sealed`,
        );
      if (wrong.length > 0) {
        report.fail(
          item,
          'PURGE_MISMATCH',
          `the tombstone (record ${t.seq}) does not match the chain: ${wrong.join('; ')}`,
        );
        continue;
      }
      const left =
        t.left === 0
          ? ''
          : `; ${t.left} item(s) not deleted yet (an interrupted purge: the engine finishes it at its next start or \`aev retention apply\`)`;
      report.add(
        item,
        'pass',
        'PURGED',
        `purged ${t.body.sealedAt} by the ${purge.policyDays}-day retention policy (tombstone record ${t.seq}; the session ended ${purge.endedAt}): ` +
          `${purge.events.count} events and ${purge.media.count} media items, ${purge.bytes} bytes, deleted; ` +
          `their hashes remain and the Merkle roots above recompute${left}`,
      );
    }
  }
}

/**
 * The index's own note of a purge (retention_purges, written with the tombstone): when the chain lacks
 * the tombstone it names, the tombstone was removed (TOMBSTONE_MISSING). An index that never ran the
 * retention migration has no such table and no purges.
 */
export function checkIndexedPurge(
  at: string,
  db: Database,
  sessionId: string,
  bodies: ReadonlyMap<number, ChainRecordBody>,
  report: ReportBuilder,
): void {
  const table = db
    .prepare<[], { n: number }>(
      "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'retention_purges'",
    )
    .get();
  if (table?.n !== 1) return;
  const row = db
    .prepare<[string], { tombstone_seq: number; started_at: string }>(
      'SELECT tombstone_seq, started_at FROM retention_purges WHERE session_id = ?',
    )
    .get(sessionId);
  if (row === undefined || bodies.get(row.tombstone_seq)?.kind === 'tombstone') return;
  report.fail(
    `${at} record ${row.tombstone_seq}`,
    'TOMBSTONE_MISSING',
    `the index records a purge on ${row.started_at} with its tombstone as record ${row.tombstone_seq}, but the chain has no such tombstone (removed or replaced)`,
  );
}
