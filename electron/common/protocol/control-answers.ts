import type { ChainRecordKind, GapReason } from '../model/chain.ts';

/**
 * Answers of the control methods that read captured media and seal states back for the desktop app
 * (docs/protocol.md, "Reading media back"). Plain JSON: bytes travel as base64.
 */

/** One ffmpeg run inside a screen recording: its init segment and the fragments that follow it. */
export interface VideoInitSpan {
  /** Media seq of the init segment. */
  readonly init: number;
  /** Wall clock of the first and last fragment (start of the first, end of the last). */
  readonly start: string;
  readonly end: string;
  /** Presentation time (ms) of the first fragment: wall clock of pts 0 is `start - startPtsMs`. */
  readonly startPtsMs: number;
  readonly fragments: number;
  readonly bytes: number;
  readonly width: number | null;
  readonly height: number | null;
}

/** `video.index`: what a screen recording holds, so a player can ask for the ranges it needs. */
export interface VideoIndex {
  readonly recording: string;
  /** In time order; a restart of ffmpeg (capture failure) begins a new span. */
  readonly inits: readonly VideoInitSpan[];
}

/** `terminal.read`: a terminal session's asciicast v2 text (header line, then event lines). */
export interface TerminalCast {
  readonly session: string;
  /** Wall clock of cast time 0 (when the engine opened the terminal): event pins count from here. */
  readonly startedAt: string;
  readonly cast: string;
  readonly bytes: number;
  /** The cast was cut after `bytes` (whole lines only) because it exceeds one answer. */
  readonly truncated: boolean;
}

/** `still.read`: the still taken at one tool event, if any. */
export interface StillAnswer {
  readonly session: string;
  /** The event's seq in its session. */
  readonly event: number;
  readonly still: {
    /** PreToolUse (before) or PostToolUse (after). */
    readonly at: string;
    readonly takenAt: string;
    readonly width: number | null;
    readonly height: number | null;
    /** grab: a screen grab; video: the frame of the screen recording at that moment. */
    readonly source: 'grab' | 'video';
    /** The PNG, base64. */
    readonly png: string;
  } | null;
}

/**
 * A chain record's standing, for a verification badge: `time-stamped` when an RFC 3161 token covers it
 * (directly or through a later record of its session), `pending` while it waits in the TSA queue,
 * `sealed` when signed but not (or not yet) time-stamped and not queued, `gap` for a gap record,
 * `purged` for a retention tombstone (docs/chain-format.md).
 */
export type WindowState = 'time-stamped' | 'pending' | 'sealed' | 'gap' | 'purged';

export interface WindowBadge {
  readonly seq: number;
  readonly kind: ChainRecordKind;
  readonly from: string;
  readonly to: string;
  readonly sealedAt: string;
  readonly state: WindowState;
  /** For a gap: whether a token covers it all the same. */
  readonly timeStamped: boolean;
  readonly events: number;
  readonly media: number;
  readonly gap: { readonly reason: GapReason; readonly detail: string | null } | null;
  readonly final: boolean;
}

/** `sessions.windows`: every chain record of a session with its standing, and the counts. */
export interface SessionWindows {
  readonly session: string;
  readonly windows: readonly WindowBadge[];
  readonly counts: Readonly<Record<WindowState, number>>;
  /** Events received but not sealed yet (the open window). */
  readonly openEvents: number;
}
