import type { ChainRecordBody, ItemsSummary } from '../../common/model/chain.ts';
import type { VerifyCode } from '../../common/model/verification.ts';
import type { ReportBuilder } from './report-builder.ts';

/** Which record seals which item of a per-session sequence (events or media). */
export interface WindowOwners {
  /** item seq → record seq */
  readonly owner: ReadonlyMap<number, number>;
  /** The last item seq any record seals. */
  readonly lastSealed: number;
  /** The session's final record exists: nothing may stay unsealed. */
  readonly finalSealed: boolean;
}

/**
 * Reads the records' `firstSeq..lastSeq` ranges of one sequence; each must start where the previous
 * window's ended, so no item can fall between two windows unnoticed (invariant I4).
 */
export function windowOwners(
  at: string,
  bodies: ReadonlyMap<number, ChainRecordBody>,
  pick: (body: ChainRecordBody) => ItemsSummary,
  label: string,
  rootCode: VerifyCode,
  report: ReportBuilder,
): WindowOwners {
  const owner = new Map<number, number>();
  let nextFirst = 1;
  for (const [seq, body] of [...bodies].sort((a, b) => a[0] - b[0])) {
    const { count, firstSeq, lastSeq } = pick(body);
    if (count === 0 || firstSeq === null || lastSeq === null) continue;
    if (firstSeq !== nextFirst) {
      report.fail(
        `${at} record ${seq} ${label}`,
        rootCode,
        `seals ${label} from ${firstSeq}, but the previous window ended at ${nextFirst - 1}`,
      );
    }
    for (let s = firstSeq; s <= lastSeq && s - firstSeq < count; s++) owner.set(s, seq);
    nextFirst = lastSeq + 1;
  }
  return { owner, lastSealed: nextFirst - 1, finalSealed: [...bodies.values()].some((b) => b.final) };
}

/** Where an item that no record claims stands: orphaned, after the final record, or in the open window. */
export function unownedVerdict(seq: number, owners: WindowOwners): 'orphaned' | 'after-final' | 'pending' {
  if (seq <= owners.lastSealed) return 'orphaned';
  return owners.finalSealed ? 'after-final' : 'pending';
}

/** Compares the items a record claims with the items stored for it. */
export function rootMatches(summary: ItemsSummary, seqs: readonly number[], root: string): boolean {
  return (
    root === summary.root &&
    seqs.length === summary.count &&
    (seqs[0] ?? null) === summary.firstSeq &&
    (seqs.at(-1) ?? null) === summary.lastSeq
  );
}
