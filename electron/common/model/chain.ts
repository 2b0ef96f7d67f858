/**
 * A chain record: the signed, hash-linked statement that seals one window of a session (or puts a gap
 * on record). Serialized as RFC 8785 canonical JSON; its SHA-256 is the record hash, which the next
 * record links to, the device signs (SSHSIG) and a TSA time-stamps (RFC 3161). docs/chain-format.md.
 */
export type ChainRecordKind = 'window' | 'gap' | 'tombstone';

export const GAP_REASONS = [
  'engine-unclean-stop',
  'engine-stopped',
  'paused',
  'capture-failed',
  'hook-unreachable',
] as const;
export type GapReason = (typeof GAP_REASONS)[number];

/** Why content was deleted: only the vault's retention policy deletes (docs/retention.md). */
export const PURGE_REASONS = ['retention'] as const;
export type PurgeReason = (typeof PURGE_REASONS)[number];

/**
 * What a tombstone record says was deleted (docs/chain-format.md "Tombstones"): the records whose
 * content went, and a commitment to that content's hashes (the same Merkle trees the windows sealed,
 * over every purged event and media item), so the deletion is itself evidence.
 */
export interface PurgeSummary {
  readonly reason: PurgeReason;
  /** The retention period in force, in days. */
  readonly policyDays: number;
  /** The `to` of the session's last record before the tombstone: the period counts from here. */
  readonly endedAt: string;
  /** The records (window and gap) whose sealed content was deleted, inclusive. */
  readonly records: { readonly firstSeq: number; readonly lastSeq: number };
  /** The purged events: their digests stay in the index, so this root recomputes after the purge. */
  readonly events: ItemsSummary;
  /** The purged media items: their descriptors stay, their encrypted objects are deleted. */
  readonly media: ItemsSummary;
  /** Plaintext bytes deleted (event payloads and media objects). */
  readonly bytes: number;
}

/** A window's share of a per-session sequence (events or media): a contiguous seq range and its Merkle root. */
export interface ItemsSummary {
  readonly count: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** RFC 6962 Merkle tree hash (hex) over leaves H(0x00 || item digest), in seq order. */
  readonly root: string;
}
/** Leaves: the events' digests. */
export type EventsSummary = ItemsSummary;
/** Leaves: SHA-256 of each media item's canonical descriptor (electron/common/model/media.ts). */
export type MediaSummary = ItemsSummary;

/**
 * The secret redaction in force when a window's content was taken in (docs/redaction.md "On the chain"):
 * whether it was on, the built-in set's version, which built-ins were left out, the custom patterns' ids
 * (never their sources), and `sha256`, a fingerprint of the whole configuration including those sources,
 * so a setting can be matched to a record without the record revealing it.
 */
export interface RedactionStatement {
  readonly enabled: boolean;
  /** The built-in pattern set (`v1`); null when redaction is off. */
  readonly builtin: string | null;
  /** Built-in pattern ids left out (settings.json `redaction.disable`). */
  readonly disabled: readonly string[];
  /** Custom pattern ids, in the order they run. */
  readonly custom: readonly string[];
  /** Hex SHA-256 of the canonical configuration (docs/redaction.md gives its exact form). */
  readonly sha256: string;
}

export interface ChainRecordBody {
  readonly v: 1;
  readonly kind: ChainRecordKind;
  readonly sessionId: string;
  readonly agent: string;
  readonly agentSessionId: string;
  /** 1, 2, 3… per session, no holes. */
  readonly seq: number;
  /** Hex SHA-256 of the previous record's canonical bytes; null only for seq 1. */
  readonly prev: string | null;
  /** The signing device key (SSH SHA256 fingerprint). */
  readonly device: string;
  /** The covered interval; `from` equals the previous record's `to`, so coverage has no holes (I4). */
  readonly from: string;
  readonly to: string;
  /** When this record was made. */
  readonly sealedAt: string;
  readonly events: EventsSummary;
  /** Screen fragments, terminal chunks, stills and transcript chunks captured in the window. */
  readonly media: MediaSummary;
  readonly gap: { readonly reason: GapReason; readonly detail: string | null } | null;
  /** The session ended with this record: nothing but a tombstone may follow it. */
  readonly final: boolean;
  /** Only on `kind: "tombstone"` (absent from window and gap records, whose bytes stay as they were). */
  readonly purge?: PurgeSummary;
  /**
   * Only on `kind: "window"` records of agent and terminal sessions (the content redaction applies to);
   * absent from records sealed before the engine recorded it, and where the configuration is not known.
   */
  readonly redaction?: RedactionStatement;
}
