import { z } from 'zod';
import type { EventPins, EventRecord, EventWithPayload, ToolCall } from '../model/event.ts';
import { SESSION_KINDS } from '../model/media.ts';
import type { SessionSummary } from '../model/session.ts';
import type { EngineStatus } from '../model/status.ts';
import {
  pauseParamsSchema,
  sessionsListParamsSchema,
  sessionsShowParamsSchema,
  videoReadParamsSchema,
} from '../protocol/frames.ts';
import type { ControlMethod } from '../protocol/frames.ts';
import type { Result } from '../result.ts';

/**
 * The one API the renderer calls (DESIGN.md §3: renderer → main over typed IPC, or the loopback bridge of
 * `aev ui` during development and UI tests). The renderer imports this file with `import type` only; the
 * zod schemas below run on the trusted side (bridge, Electron main), which validates every argument
 * before anything reaches the engine's control API. Results are plain `Result` values because Electron
 * drops error classes across IPC (STYLE.md, GitHub Desktop anchor).
 */
export interface AppApi {
  status(): Promise<Result<EngineStatus>>;
  listSessions(params: ListSessionsParams): Promise<Result<readonly SessionSummary[]>>;
  /** With `payloads` (default true) the engine decrypts event payloads: the owner's own view (invariant I1). */
  showSession(id: string, payloads?: boolean): Promise<Result<SessionDetailView>>;
  /** `from`/`to` are ISO times; the answer is a playable fMP4 (init segment first). */
  readVideo(recording: string, from: string, to: string): Promise<Result<VideoSegment>>;
  pause(reason: string): Promise<Result<{ readonly paused: true; readonly since: string }>>;
  resume(): Promise<Result<{ readonly paused: false; readonly gaps: number }>>;
}

export type AppMethod = keyof AppApi;
export const APP_METHODS = [
  'status',
  'listSessions',
  'showSession',
  'readVideo',
  'pause',
  'resume',
] as const satisfies readonly AppMethod[];

/** One event of a session as `sessions.show` returns it: payload present only when asked for. */
export type SessionEventView = (EventRecord | EventWithPayload) & { readonly pins: EventPins };

/** The answer of `sessions.show` (the engine's SessionDetail, restated here so the renderer needs no engine type). */
export interface SessionDetailView {
  readonly session: SessionSummary;
  readonly events: readonly SessionEventView[];
  readonly toolCalls: readonly ToolCall[];
}

/** A screen recording range as `video.read` returns it, with the base64 fMP4 decoded. */
export interface VideoSegment {
  readonly recording: string;
  /** Media seq of the init segment the bytes start with. */
  readonly init: number;
  readonly start: string;
  /** Presentation time (ms) of the first fragment: the video's timeline is the recording's, not zero-based. */
  readonly startPtsMs: number;
  readonly end: string;
  readonly fragments: number;
  readonly mp4: Uint8Array<ArrayBuffer>;
}

/** `video.read` on the wire: the same with `mp4` in base64 (JSON has no bytes). */
export type VideoSegmentWire = Omit<VideoSegment, 'mp4'> & { readonly mp4: string };

export const listSessionsParamsSchema = z
  .object({
    limit: z.number().int().min(1).max(10_000).optional(),
    agent: sessionsListParamsSchema.shape.agent,
    state: sessionsListParamsSchema.shape.state,
    kind: z.enum(SESSION_KINDS).optional(),
  })
  .strict();
export type ListSessionsParams = z.input<typeof listSessionsParamsSchema>;

/**
 * Each method's arguments as one JSON object (the bridge's POST body, the IPC message), validated
 * strictly: an unknown key is refused rather than passed on to the engine.
 */
export const APP_PARAMS_SCHEMAS = {
  status: z.object({}).strict(),
  listSessions: listSessionsParamsSchema,
  showSession: z.object({ id: sessionsShowParamsSchema.shape.id, payloads: z.boolean().optional() }).strict(),
  readVideo: videoReadParamsSchema.strict(),
  pause: pauseParamsSchema.strict(),
  resume: z.object({}).strict(),
} as const satisfies Record<AppMethod, z.ZodType>;

export type AppParams<M extends AppMethod> = z.output<(typeof APP_PARAMS_SCHEMAS)[M]>;

/** The control request (docs/protocol.md) that serves each app method. */
export function controlCallFor<M extends AppMethod>(
  method: M,
  params: AppParams<M>,
): { readonly method: ControlMethod; readonly params: Readonly<Record<string, unknown>> } {
  const p = params as Readonly<Record<string, unknown>>;
  switch (method) {
    case 'status':
      return { method: 'status', params: {} };
    case 'listSessions':
      return { method: 'sessions.list', params: p };
    case 'showSession':
      return { method: 'sessions.show', params: { id: p.id, payloads: p.payloads ?? true } };
    case 'readVideo':
      return { method: 'video.read', params: p };
    case 'pause':
      return { method: 'recording.pause', params: p };
    case 'resume':
      return { method: 'recording.resume', params: {} };
  }
}

export function isAppMethod(name: string): name is AppMethod {
  return (APP_METHODS as readonly string[]).includes(name);
}
