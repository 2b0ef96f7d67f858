/**
 * The local endpoint's wire protocol (docs/protocol.md): newline-delimited JSON over a Unix socket or
 * named pipe. Every frame from a client carries a request id that its answer echoes. The first frame
 * must be `hello`, which fixes the protocol version and which API the connection uses: `ingest`
 * (append events, nothing else) or `control` (status and queries). Events are acknowledged only after
 * they are durable (invariant I7).
 */
import { z } from 'zod';
import { AGENT_KINDS, CLIENT_KINDS } from '../model/agent.ts';
import { ERROR_CODES } from '../errors.ts';
import { SESSION_KINDS } from '../model/media.ts';

export { MAX_FRAME_BYTES, PROTOCOL_VERSION } from './constants.ts';

const requestId = z.union([z.string().min(1).max(128), z.number().int().nonnegative()]);

export const helloFrameSchema = z.object({
  type: z.literal('hello'),
  id: requestId,
  protocol: z.number().int().positive(),
  client: z.enum(CLIENT_KINDS),
  api: z.enum(['ingest', 'control']),
});
export type HelloFrame = z.infer<typeof helloFrameSchema>;

/** An event as an agent hands it over: the agent's own payload, untouched, plus where it came from. */
export const ingestEventSchema = z.object({
  agent: z.enum(AGENT_KINDS),
  /** The agent's payload as it arrived (for Claude Code: the hook's stdin JSON). */
  payload: z.record(z.string(), z.unknown()),
  /** When the client read the payload (the hook's wall clock); informational, the engine stamps its own. */
  sentAt: z.iso.datetime({ offset: true }).optional(),
  /** Set by `aev run` in the agent's environment (AEV_TERMINAL_ID) so events link to its terminal. */
  terminalId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** Fields the hook had to shorten to fit MAX_FRAME_BYTES: name -> original length in bytes. */
  truncated: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
export type IngestEvent = z.infer<typeof ingestEventSchema>;

export const eventFrameSchema = z.object({
  type: z.literal('event'),
  id: requestId,
  event: ingestEventSchema,
});
export type EventFrame = z.infer<typeof eventFrameSchema>;

/** The id `aev run` gives a terminal; passed to the agent as AEV_TERMINAL_ID so its events link to it. */
export const terminalIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** The longest a terminal recording may run, in cast seconds (one year). */
export const MAX_CAST_SECONDS = 366 * 24 * 3600;

/** asciicast v2 event `[seconds since start, "o"|"i"|"r"|"m", data]` (docs.asciinema.org, asciicast v2). */
export const castFrameSchema = z.tuple([
  // Seconds since the terminal started; a year bounds it (a wall-clock time derived from it must exist).
  z.number().nonnegative().max(MAX_CAST_SECONDS),
  z.enum(['o', 'i', 'r', 'm']),
  z.string(),
]);

/**
 * `aev run` opens a terminal recording on an ingest connection: the asciicast v2 header fields plus the
 * command line. The engine answers with a result `{ terminalId, sessionId }` once the terminal's own
 * session (kind "terminal") exists; its chain seals the terminal stream window by window.
 */
export const terminalOpenFrameSchema = z.object({
  type: z.literal('terminal.open'),
  id: requestId,
  terminalId: terminalIdSchema,
  /** The agent kind when the wrapper recognizes the command (claude → claude-code), else generic. */
  agent: z.enum(AGENT_KINDS),
  command: z.array(z.string().max(4096)).min(1).max(256),
  width: z.number().int().positive().max(65_535),
  height: z.number().int().positive().max(65_535),
  /** Unix seconds when the recording started (the cast header's timestamp). */
  timestamp: z.number().int().nonnegative(),
  env: z.object({ SHELL: z.string().max(4096).optional(), TERM: z.string().max(256).optional() }),
  title: z.string().max(1024).optional(),
  /** Whether keystrokes ("i" events) are recorded; off unless the user asked (DESIGN.md §4). */
  recordInput: z.boolean(),
});
export type TerminalOpenFrame = z.infer<typeof terminalOpenFrameSchema>;

/** A batch of cast events, in order; answered `{ terminalId, events }` once durable (invariant I7). */
export const terminalDataFrameSchema = z.object({
  type: z.literal('terminal.data'),
  id: requestId,
  terminalId: terminalIdSchema,
  events: z.array(castFrameSchema).min(1).max(100_000),
});
export type TerminalDataFrame = z.infer<typeof terminalDataFrameSchema>;

/** The command exited: the terminal session ends and its chain is finished. */
export const terminalCloseFrameSchema = z.object({
  type: z.literal('terminal.close'),
  id: requestId,
  terminalId: terminalIdSchema,
  exitCode: z.number().int(),
  signal: z.number().int().positive().optional(),
});
export type TerminalCloseFrame = z.infer<typeof terminalCloseFrameSchema>;

export const terminalFrameSchema = z.discriminatedUnion('type', [
  terminalOpenFrameSchema,
  terminalDataFrameSchema,
  terminalCloseFrameSchema,
]);
export type TerminalFrame = z.infer<typeof terminalFrameSchema>;

export const CONTROL_METHODS = [
  'ping',
  'status',
  'sessions.list',
  'sessions.show',
  'recording.pause',
  'recording.resume',
  'video.read',
  'video.index',
  'terminal.read',
  'still.read',
  'sessions.windows',
  'access.list',
  'access.record',
  'retention.status',
  'retention.purge',
  'retention.hold',
  'retention.release',
] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

export const requestFrameSchema = z.object({
  type: z.literal('request'),
  id: requestId,
  method: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type RequestFrame = z.infer<typeof requestFrameSchema>;

export const sessionsListParamsSchema = z.object({
  limit: z.number().int().min(1).max(10_000).default(100),
  agent: z.enum(AGENT_KINDS).optional(),
  state: z.enum(['active', 'ended']).optional(),
  kind: z.enum(SESSION_KINDS).optional(),
});
export type SessionsListParams = z.input<typeof sessionsListParamsSchema>;

/** A time range of a screen recording as playable fMP4 (base64), at most 64 MiB per answer. */
export const videoReadParamsSchema = z.object({
  recording: z.string().min(1).max(128),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
});
export type VideoReadParams = z.input<typeof videoReadParamsSchema>;

export const pauseParamsSchema = z.object({ reason: z.string().min(1).max(500) });
export type PauseParams = z.input<typeof pauseParamsSchema>;

export const sessionsShowParamsSchema = z.object({
  id: z.string().min(1).max(128),
  payloads: z.boolean().default(false),
});
export type SessionsShowParams = z.input<typeof sessionsShowParamsSchema>;

/** The init segments of a screen recording and their spans, so a player asks only for what it shows. */
export const videoIndexParamsSchema = z.object({ recording: z.string().min(1).max(128) });

/** A terminal session's asciicast v2 text (at most 32 MiB per answer). */
export const terminalReadParamsSchema = z.object({ session: z.string().min(1).max(128) });

/** The still taken at one tool event: `event` is the event's seq in agent session `session`. */
export const stillReadParamsSchema = z.object({
  session: z.string().min(1).max(128),
  event: z.number().int().positive(),
});

/** Every chain record of a session with its standing (time-stamped, pending, sealed, gap). */
export const sessionsWindowsParamsSchema = z.object({ id: z.string().min(1).max(128) });

/** The newest entries of the vault's access log (docs/requests-and-access-log.md). */
export const accessListParamsSchema = z.object({ limit: z.number().int().min(1).max(10_000).default(100) });

/**
 * Entries for the access log from a CLI that exported or decided a request while the engine runs; each
 * is checked against the engine's strict entry schema (electron/engine/access/access-entry.ts).
 */
export const accessRecordParamsSchema = z.object({
  entries: z.array(z.record(z.string(), z.unknown())).min(1).max(16),
});

/** One session for retention (docs/retention.md): purge it now if due, or lift its legal hold. */
export const retentionSessionParamsSchema = z.object({ id: z.string().min(1).max(128) });
export type RetentionSessionParams = z.input<typeof retentionSessionParamsSchema>;

/** A legal hold keeps a session (and the screen and terminal around an agent session) from purges. */
export const retentionHoldParamsSchema = z.object({
  id: z.string().min(1).max(128),
  // One line (control characters could rewrite a terminal that shows it), stored encrypted.
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed'),
});
export type RetentionHoldParams = z.input<typeof retentionHoldParamsSchema>;

// ---- frames the engine sends ----

export const helloOkFrameSchema = z.object({
  type: z.literal('hello'),
  id: requestId,
  ok: z.literal(true),
  protocol: z.number().int(),
  server: z.string(),
});

export const ackFrameSchema = z.object({
  type: z.literal('ack'),
  id: requestId,
  eventId: z.string(),
  sessionId: z.string(),
  seq: z.number().int().positive(),
  /** false while recording is paused: fail-closed hooks deny tool calls then. */
  recording: z.boolean(),
});
export type AckFrame = z.infer<typeof ackFrameSchema>;

export const resultFrameSchema = z.object({
  type: z.literal('result'),
  id: requestId,
  value: z.unknown(),
});

export const errorFrameSchema = z.object({
  type: z.literal('error'),
  id: requestId.nullable(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
export type ErrorFrame = z.infer<typeof errorFrameSchema>;

export const serverFrameSchema = z.discriminatedUnion('type', [
  helloOkFrameSchema,
  ackFrameSchema,
  resultFrameSchema,
  errorFrameSchema,
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
