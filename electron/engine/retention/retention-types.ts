import type { SessionKind } from '../../common/model/media.ts';

/** A session as retention sees it: what a purge would delete. */
export interface RetentionSession {
  readonly id: string;
  readonly kind: SessionKind;
  readonly agent: string;
  readonly startedAt: string;
  /** Where its chain ends (the last record's `to`); null while the session is open. */
  readonly endedAt: string | null;
  readonly events: number;
  readonly media: number;
  /** Plaintext bytes of its event payloads and media objects. */
  readonly bytes: number;
}

export interface HeldSession extends RetentionSession {
  /** The session whose hold keeps this one: itself, or the agent session a screen or terminal overlaps. */
  readonly heldBy: string;
  readonly since: string;
  readonly reason: string;
}

export interface PurgeInProgress extends RetentionSession {
  readonly purgedAt: string;
  readonly tombstoneSeq: number;
}

/** `retention.status` (docs/retention.md). */
export interface RetentionStatus {
  readonly days: number;
  readonly auto: boolean;
  readonly now: string;
  /** Sessions whose chain ended at or before this instant are due. */
  readonly cutoff: string;
  readonly due: readonly RetentionSession[];
  readonly held: readonly HeldSession[];
  /** Tombstone written, content not all deleted yet (a crash or stop interrupted the purge). */
  readonly incomplete: readonly PurgeInProgress[];
  readonly purged: number;
  readonly lastRun: RetentionRun | null;
  /** The next automatic run; null when the policy is applied by hand only. */
  readonly nextRun: string | null;
  /** The next session to fall due while nothing changes, and when. */
  readonly nextDue: { readonly sessionId: string; readonly at: string } | null;
}

export interface RetentionRun {
  readonly at: string;
  readonly purged: number;
  readonly error: string | null;
}

/** What one purge did (`retention.purge`). */
export interface PurgeResult {
  readonly sessionId: string;
  readonly tombstoneSeq: number;
  readonly purgedAt: string;
  /** The tombstone was already on record: this finished an interrupted purge. */
  readonly resumed: boolean;
  readonly events: number;
  readonly media: number;
  /** Encrypted media objects this call found and deleted. */
  readonly objectsDeleted: number;
  readonly bytes: number;
}

export interface HoldResult {
  readonly sessionId: string;
  readonly held: boolean;
  readonly since: string | null;
}
