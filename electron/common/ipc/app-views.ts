import type { ErrorCode } from '../errors.ts';
import type { VerifyReport } from '../model/verification.ts';

/**
 * What the app host answers beyond the control API's own shapes (electron/common/ipc/app-api.ts):
 * export and verify jobs, settings, hooks and first-run state. Plain JSON, so the same values cross
 * Electron IPC and the loopback bridge.
 */

export type HookPolicyView = 'fail-open' | 'fail-closed';
export type HookScopeView = 'user' | 'project' | 'local';

/** One session of an exported bundle. */
export interface ExportedSessionView {
  readonly sessionId: string;
  readonly kind: string;
  readonly windows: number;
  readonly events: number;
  readonly media: number;
  readonly withheld: number;
  readonly tokens: number;
}

export interface ExportResultView {
  /** The bundle written. */
  readonly out: string;
  readonly bundleId: string;
  readonly encrypted: boolean;
  readonly files: number;
  readonly bytes: number;
  readonly range: { readonly from: string; readonly to: string };
  readonly sessions: readonly ExportedSessionView[];
  /** Content records no token in the bundle covers yet (exported before their time-stamp came). */
  readonly uncovered: readonly string[];
  /** Why the bundle has no clip/clip.mp4, or null. */
  readonly clipNote: string | null;
}

export type JobState = 'running' | 'done' | 'failed';

/** An export or a verification running in the app host; the UI polls it. */
export interface JobView {
  readonly job: string;
  readonly kind: 'export' | 'verify';
  readonly state: JobState;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** Progress lines, oldest first (the last few hundred). */
  readonly messages: readonly string[];
  /** Verification: items checked so far. */
  readonly checked: number;
  readonly exported: ExportResultView | null;
  /** Verification: the bundle's name as the user gave it, and the full per-item report. */
  readonly verified: { readonly name: string; readonly report: VerifyReport } | null;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
}

/** The settings the app edits (a subset of <data root>/settings.json; other keys are kept as they are). */
export interface AppSettings {
  readonly screen?: {
    /** Frames per second of the screen recording. */
    readonly fps?: number | undefined;
    /** X display (":0"), macOS screen name, or Windows output index. */
    readonly display?: string | undefined;
  };
  readonly tsa?: {
    /** TSA URLs in failover order; an empty list turns time-stamping off. */
    readonly urls?: string[] | undefined;
    /** A PEM file of TSA roots: the dedicated trust store. */
    readonly trustFile?: string | undefined;
  };
  readonly retention?: {
    /** Sessions are purged this many days after they end (docs/retention.md). */
    readonly days?: number | undefined;
  };
  /** What hooks installed from the app do when the recorder is down. */
  readonly hookPolicy?: HookPolicyView | undefined;
  /** The first-run steps were shown and closed. */
  readonly onboarded?: boolean | undefined;
}

export interface SettingsView {
  readonly file: string;
  readonly settings: AppSettings;
  /** What applies where the file says nothing. */
  readonly defaults: {
    readonly fps: number;
    readonly display: string | null;
    readonly tsaUrls: readonly string[];
    readonly retentionDays: number;
    readonly hookPolicy: HookPolicyView;
  };
  /** Environment variables of the engine's host that override the file (AEV_SCREEN_FPS…). */
  readonly overriddenBy: readonly string[];
  /** Where the export dialog proposes to write bundles (the user's Downloads folder, else home). */
  readonly defaultExportDir: string;
}

export interface HooksScopeView {
  readonly scope: HookScopeView;
  /** The Claude Code settings file of the scope; null when the scope needs a project folder. */
  readonly file: string | null;
  readonly exists: boolean;
  readonly events: readonly string[];
  readonly policy: HookPolicyView | null;
  readonly command: string | null;
}

export interface HooksView {
  readonly agent: 'claude-code';
  readonly scopes: readonly HooksScopeView[];
  /** The number of events a full install hooks (to tell a partial install from a complete one). */
  readonly allEvents: number;
}

export interface HooksEditView {
  readonly file: string;
  readonly written: boolean;
  readonly backup: string | null;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  readonly hooks: HooksView;
}

/** First-run state: the vault, hooks and the screen, plus the platform (the macOS permission text). */
export interface OnboardingView {
  readonly platform: string;
  readonly onboarded: boolean;
  readonly vault: {
    readonly unlockedBy: 'keyring' | 'passphrase' | null;
    /** The vault can be opened with a recovery passphrase (scrypt-wrapped key in keys.json). */
    readonly recoveryPassphrase: boolean;
    readonly keyring: boolean;
  };
  readonly hooks: HooksView;
  readonly screen: { readonly state: string; readonly detail: string | null };
}
