/**
 * Hook point for the access log (DESIGN.md §5 "every export, view and purge is itself an event in a
 * chain"): the retention service reports each purge, hold and release here. createEngine adapts it to
 * the access log (electron/engine/access/, `recordAccess({ kind: 'purge', … })`).
 *
 * A purge is reported inside the transaction that writes its tombstone: the entry, the tombstone and
 * the purge row land together or not at all, and a hook that throws stops the purge before anything
 * is deleted. Hence synchronous.
 */
export type RetentionAccessKind = 'purge' | 'hold' | 'release';

export interface RetentionAccessEntry {
  readonly kind: RetentionAccessKind;
  readonly sessionId: string;
  /** One line for people: the policy and counts of a purge, the reason of a hold. Never content. */
  readonly reason: string;
}

export type RecordRetentionAccess = (entry: RetentionAccessEntry) => void;

export const noAccessLog: RecordRetentionAccess = () => undefined;
