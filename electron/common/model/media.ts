/**
 * Captured media (DESIGN.md §4–5): what a window seals besides agent events. Every item is stored
 * encrypted in the vault (invariant I1) and described by a clear, canonical descriptor whose hash is a
 * leaf of the window's media Merkle tree, so its bytes, its kind and its capture times are all sealed.
 */
export const MEDIA_KINDS = ['video-init', 'video-fragment', 'terminal', 'still', 'transcript'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/**
 * What sessions hold: an agent's events, a screen recording, a terminal run by `aev run`, or the vault's
 * own access log (exports, views, request decisions and purges; docs/requests-and-access-log.md).
 */
export const SESSION_KINDS = ['agent', 'screen', 'terminal', 'access'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/**
 * The clear description of one media item; its RFC 8785 canonical JSON, hashed with SHA-256, is the
 * item's Merkle leaf input. Holds hashes, sizes and times only, never content.
 */
export interface MediaDescriptor {
  readonly v: 1;
  readonly sessionId: string;
  /** 1, 2, 3… per session, no holes (independent of the event seq). */
  readonly seq: number;
  readonly kind: MediaKind;
  /** The vault object holding the encrypted bytes. */
  readonly object: string;
  /** Hex SHA-256 of the plaintext bytes: an exported item can be checked with `sha256sum`. */
  readonly sha256: string;
  readonly bytes: number;
  /** Wall-clock capture interval of the content (ISO 8601, ms). */
  readonly start: string;
  readonly end: string;
  /** Kind-specific facts (fragment sequence and keyframe, cast event count…); numbers and strings only. */
  readonly info: Readonly<Record<string, string | number | boolean>>;
}

/** A media item as the index lists it (no content). */
export interface MediaItem {
  readonly seq: number;
  readonly kind: MediaKind;
  readonly start: string;
  readonly end: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly info: Readonly<Record<string, string | number | boolean>>;
}
