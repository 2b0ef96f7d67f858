import type { RedactionCount } from './event.ts';

export interface TsaStatus {
  readonly enabled: boolean;
  /** Chain records waiting for a time-stamp (each is covered once a later record of its session is). */
  readonly pending: number;
  readonly oldestPendingSince: string | null;
  readonly tsas: readonly {
    readonly url: string;
    readonly lastSuccessAt: string | null;
    readonly lastError: string | null;
    readonly lastErrorAt: string | null;
  }[];
}

export interface SealingStatus {
  /** The device key's SSH fingerprint. */
  readonly device: string;
  readonly windowMs: number;
  readonly records: number;
  readonly unsealedEvents: number;
  readonly tsa: TsaStatus;
}

/** The screen recorder (DESIGN.md §4): what it is doing and, when it cannot record, exactly why. */
export interface ScreenStatus {
  readonly state: 'off' | 'idle' | 'recording' | 'restarting' | 'unavailable';
  /** The screen recording session while recording. */
  readonly recordingId: string | null;
  /** Why it is unavailable or restarting (what to install, what failed). */
  readonly detail: string | null;
  readonly backend: string | null;
}

/** Whether what arrives can be stored; `full` since the first write refused for lack of space. */
export interface StorageStatus {
  readonly state: 'ok' | 'full';
  readonly since: string | null;
  /** Writes refused since then. */
  readonly refused: number;
}

/** Secret redaction before storage (docs/redaction.md): what is in force and what it has done. */
export interface RedactionStatus {
  readonly enabled: boolean;
  /** Pattern ids in force, custom ones first (the order in which they name what they find). */
  readonly patterns: readonly string[];
  /** Stored events that had something redacted, all time, and what (counts per pattern). */
  readonly events: number;
  readonly eventsByPattern: readonly RedactionCount[];
  /** Transcript chunks and terminal headers redacted since the engine started, and what. */
  readonly mediaThisRun: number;
  readonly mediaByPattern: readonly RedactionCount[];
}

/**
 * The first automatic purge since the engine started (docs/retention.md "Telling the user"): the tray
 * announces it once, so content deleted by the policy never goes unnoticed; later daily runs are logged.
 */
export interface AutoPurgeStatus {
  /** When the run that purged started. */
  readonly at: string;
  readonly sessions: number;
  /** Plaintext bytes deleted. */
  readonly bytes: number;
  readonly policyDays: number;
}

export interface EngineStatus {
  readonly version: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly dataRoot: string;
  readonly socketPath: string;
  readonly httpUrl: string | null;
  readonly vault: { readonly unlockedBy: 'keyring' | 'passphrase' };
  /** false while paused: fail-closed hooks deny tool calls then. */
  readonly recording: boolean;
  readonly ingest: {
    readonly eventsTotal: number;
    readonly eventsThisRun: number;
    readonly connections: number;
    readonly lastEventAt: string | null;
    readonly rejectedFrames: number;
  };
  readonly sessions: { readonly active: number; readonly total: number };
  readonly sealing: SealingStatus;
  readonly screen: ScreenStatus;
  readonly storage: StorageStatus;
  readonly redaction: RedactionStatus;
  /** Retention as the tray needs it; absent from engines older than this field (the app may talk to one). */
  readonly retention?: { readonly auto: boolean; readonly firstAutoPurge: AutoPurgeStatus | null };
  /** Stills at tool calls; null when screen capture is off. */
  readonly stills: {
    readonly taken: number;
    readonly failed: number;
    readonly skipped: number;
    readonly lastError: string | null;
  } | null;
}
