import { z } from 'zod';
import type { EventPins, EventRecord, EventWithPayload, ToolCall } from '../model/event.ts';
import { SESSION_KINDS } from '../model/media.ts';
import type { SessionSummary } from '../model/session.ts';
import type { EngineStatus } from '../model/status.ts';
import type { SessionWindows, StillAnswer, TerminalCast, VideoIndex } from '../protocol/control-answers.ts';
import {
  pauseParamsSchema,
  sessionsListParamsSchema,
  sessionsShowParamsSchema,
  sessionsWindowsParamsSchema,
  stillReadParamsSchema,
  terminalReadParamsSchema,
  videoIndexParamsSchema,
  videoReadParamsSchema,
} from '../protocol/frames.ts';
import type { ControlMethod } from '../protocol/frames.ts';
import type { Result } from '../result.ts';
import type { HooksEditView, HooksView, JobView, OnboardingView, SettingsView } from './app-views.ts';

/**
 * The one API the renderer calls (DESIGN.md §3: renderer → main over typed IPC, or the loopback bridge of
 * `aev ui` during development and UI tests). Every method takes one JSON object, validated on the trusted
 * side (Electron main, the bridge) by APP_PARAMS_SCHEMAS before anything runs, and answers a plain
 * `Result` because Electron drops error classes across IPC (STYLE.md, GitHub Desktop anchor). The
 * renderer imports this file with `import type` only; the trusted side serves it with
 * `serveAppCall(method, params, ctx)` (electron/engine/app-host/serve-app-call.ts).
 */
export type AppApi = {
  readonly [M in AppMethod]: (params: AppInput<M>) => Promise<Result<AppAnswers[M]>>;
};

/** What each method answers, as JSON (bytes in base64). */
export interface AppAnswers {
  status: EngineStatus;
  listSessions: readonly SessionSummary[];
  /** With `payloads` (default true) the engine decrypts event payloads: the owner's own view (invariant I1). */
  showSession: SessionDetailView;
  /** Each chain record of the session with its standing: the verification badge of each window. */
  sessionWindows: SessionWindows;
  /** `from`/`to` are ISO times; the answer is a playable fMP4 (init segment first), base64. */
  readVideo: VideoSegmentWire;
  /** The init segments of a screen recording and what they span, so a player loads only what it shows. */
  videoIndex: VideoIndex;
  /** A terminal session's asciicast v2. */
  readTerminal: TerminalCast;
  /** The still taken at one tool event (before: PreToolUse, after: PostToolUse). */
  readStill: StillAnswer;
  pause: { readonly paused: true; readonly since: string };
  resume: { readonly paused: false; readonly gaps: number };
  /** Starts writing an evidence bundle; poll `jobStatus`. */
  startExport: { readonly job: string };
  /** Starts verifying a bundle (a path, or bytes dropped into the page); poll `jobStatus`. */
  startVerify: { readonly job: string };
  jobStatus: JobView;
  getSettings: SettingsView;
  setSettings: SettingsView;
  hooksStatus: HooksView;
  installHooks: HooksEditView;
  uninstallHooks: HooksEditView;
  onboarding: OnboardingView;
  /** Wraps the vault key under a (new) recovery passphrase; the keyring wrapping is kept. */
  setRecoveryPassphrase: { readonly recoveryPassphrase: true };
}

export type AppMethod = keyof AppAnswers;
export const APP_METHODS = [
  'status',
  'listSessions',
  'showSession',
  'sessionWindows',
  'readVideo',
  'videoIndex',
  'readTerminal',
  'readStill',
  'pause',
  'resume',
  'startExport',
  'startVerify',
  'jobStatus',
  'getSettings',
  'setSettings',
  'hooksStatus',
  'installHooks',
  'uninstallHooks',
  'onboarding',
  'setRecoveryPassphrase',
] as const satisfies readonly AppMethod[];

/** One event of a session as `sessions.show` returns it: payload present only when asked for. */
export type SessionEventView = (EventRecord | EventWithPayload) & { readonly pins: EventPins };

/** The answer of `sessions.show` (the engine's SessionDetail, restated here so the renderer needs no engine type). */
export interface SessionDetailView {
  readonly session: SessionSummary;
  readonly events: readonly SessionEventView[];
  readonly toolCalls: readonly ToolCall[];
}

/** A screen recording range as `video.read` returns it: `mp4` is base64 (JSON has no bytes). */
export interface VideoSegmentWire {
  readonly recording: string;
  /** Media seq of the init segment the bytes start with. */
  readonly init: number;
  readonly start: string;
  /** Presentation time (ms) of the first fragment: the video's timeline is the recording's, not zero-based. */
  readonly startPtsMs: number;
  readonly end: string;
  readonly fragments: number;
  readonly mp4: string;
}

/** A bundle dropped into the page travels in the call itself: capped so one call stays reasonable. */
export const MAX_DROPPED_BUNDLE_BYTES = 64 * 1024 * 1024;
/** Its base64 length (4 characters per 3 bytes, padded). */
export const MAX_DROPPED_BUNDLE_BASE64 = Math.ceil(MAX_DROPPED_BUNDLE_BYTES / 3) * 4;

// age X25519 recipients are Bech32 (BIP 173) with the human-readable part "age": "age1" + 58 characters.
const ageRecipient = z
  .string()
  .regex(/^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/, 'an age recipient looks like age1… (62 characters)');
const filePath = z.string().min(1).max(4096);
const id = z.string().min(1).max(128);
const isoTime = z.iso.datetime({ offset: true });

export const listSessionsParamsSchema = z
  .object({
    limit: z.number().int().min(1).max(10_000).optional(),
    agent: sessionsListParamsSchema.shape.agent,
    state: sessionsListParamsSchema.shape.state,
    kind: z.enum(SESSION_KINDS).optional(),
  })
  .strict();

export const exportRequestSchema = z
  .object({
    sessionId: id,
    /** Whole sealed windows overlapping a time range, or from one tool call to another (DESIGN.md §6). */
    range: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('time'), from: isoTime, to: isoTime }).strict(),
      z.object({ kind: z.literal('tool'), fromTool: id, toTool: id }).strict(),
    ]),
    recipients: z.array(ageRecipient).max(64),
    /** Unencrypted: only on the user's explicit choice (invariant I1). */
    plain: z.boolean(),
    /** Event ids whose bytes stay out (their Merkle leaves stay in, so the rest still verifies). */
    withhold: z.array(id).max(10_000),
    /** Where the bundle goes: an absolute path to a file that does not exist yet. */
    out: filePath,
  })
  .strict()
  .refine((r) => r.plain !== r.recipients.length > 0, {
    message: 'give at least one recipient, or choose plain (unencrypted), not both',
    path: ['recipients'],
  });
export type ExportRequest = z.input<typeof exportRequestSchema>;

export const verifyRequestSchema = z
  .object({
    source: z.union([
      z.object({ path: filePath }).strict(),
      z.object({ name: z.string().min(1).max(255), base64: z.string().min(1).max(MAX_DROPPED_BUNDLE_BASE64) }).strict(),
    ]),
    /** An age identity file (AGE-SECRET-KEY-1… lines) for an encrypted bundle. */
    identityFile: filePath.optional(),
    /** TSA roots (PEM) to trust instead of the bundle's own tsa/trust.pem. */
    trustFile: filePath.optional(),
  })
  .strict();
export type VerifyRequest = z.input<typeof verifyRequestSchema>;

export const appSettingsSchema = z
  .object({
    screen: z
      .object({
        fps: z.number().int().min(1).max(60).optional(),
        display: z.string().min(1).max(256).optional(),
      })
      .strict()
      .optional(),
    tsa: z
      .object({
        urls: z
          .array(z.url({ protocol: /^https?$/ }))
          .max(16)
          .optional(),
        trustFile: filePath.optional(),
      })
      .strict()
      .optional(),
    retention: z
      .object({ days: z.number().int().min(1).max(36_500).optional() })
      .strict()
      .optional(),
    hookPolicy: z.enum(['fail-open', 'fail-closed']).optional(),
    onboarded: z.boolean().optional(),
  })
  .strict();

const hookScope = z.enum(['user', 'project', 'local']);
/** The folder a project or local scope is about (its .claude/ settings); absolute. */
const projectDir = filePath.optional();

/**
 * Each method's arguments as one JSON object (the bridge's POST body, the IPC message), validated
 * strictly: an unknown key is refused rather than passed on to the engine.
 */
export const APP_PARAMS_SCHEMAS = {
  status: z.object({}).strict(),
  listSessions: listSessionsParamsSchema,
  showSession: z.object({ id: sessionsShowParamsSchema.shape.id, payloads: z.boolean().optional() }).strict(),
  sessionWindows: sessionsWindowsParamsSchema.strict(),
  readVideo: videoReadParamsSchema.strict(),
  videoIndex: videoIndexParamsSchema.strict(),
  readTerminal: terminalReadParamsSchema.strict(),
  readStill: stillReadParamsSchema.strict(),
  pause: pauseParamsSchema.strict(),
  resume: z.object({}).strict(),
  startExport: exportRequestSchema,
  startVerify: verifyRequestSchema,
  jobStatus: z.object({ job: id }).strict(),
  getSettings: z.object({}).strict(),
  setSettings: z.object({ settings: appSettingsSchema }).strict(),
  hooksStatus: z.object({ projectDir }).strict(),
  installHooks: z
    .object({ scope: hookScope, policy: z.enum(['fail-open', 'fail-closed']).optional(), projectDir })
    .strict(),
  uninstallHooks: z.object({ scope: hookScope, projectDir }).strict(),
  onboarding: z.object({}).strict(),
  setRecoveryPassphrase: z.object({ passphrase: z.string().min(12).max(1024) }).strict(),
} as const satisfies Record<AppMethod, z.ZodType>;

/** What a caller passes (defaults not yet applied). */
export type AppInput<M extends AppMethod> = z.input<(typeof APP_PARAMS_SCHEMAS)[M]>;
/** What the host sees after validation. */
export type AppParams<M extends AppMethod> = z.output<(typeof APP_PARAMS_SCHEMAS)[M]>;

/** The methods the engine's control API serves as they are (docs/protocol.md). */
const CONTROL_CALLS = {
  status: 'status',
  listSessions: 'sessions.list',
  showSession: 'sessions.show',
  sessionWindows: 'sessions.windows',
  readVideo: 'video.read',
  videoIndex: 'video.index',
  readTerminal: 'terminal.read',
  readStill: 'still.read',
  pause: 'recording.pause',
  resume: 'recording.resume',
} as const satisfies Partial<Record<AppMethod, ControlMethod>>;
export type ControlAppMethod = keyof typeof CONTROL_CALLS;

/** The control request (docs/protocol.md) that serves an app method, or null when the app host serves it. */
export function controlCallFor(
  method: AppMethod,
  params: Readonly<Record<string, unknown>>,
): { readonly method: ControlMethod; readonly params: Readonly<Record<string, unknown>> } | null {
  if (!(method in CONTROL_CALLS)) return null;
  const control = CONTROL_CALLS[method as ControlAppMethod];
  // The owner's view decrypts payloads unless the caller says otherwise.
  if (method === 'showSession') return { method: control, params: { ...params, payloads: params.payloads ?? true } };
  return { method: control, params };
}

export function isAppMethod(name: string): name is AppMethod {
  return (APP_METHODS as readonly string[]).includes(name);
}
