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

export const CONTROL_METHODS = [
  'ping',
  'status',
  'sessions.list',
  'sessions.show',
  'recording.pause',
  'recording.resume',
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
});
export type SessionsListParams = z.input<typeof sessionsListParamsSchema>;

export const pauseParamsSchema = z.object({ reason: z.string().min(1).max(500) });
export type PauseParams = z.input<typeof pauseParamsSchema>;

export const sessionsShowParamsSchema = z.object({
  id: z.string().min(1).max(128),
  payloads: z.boolean().default(false),
});
export type SessionsShowParams = z.input<typeof sessionsShowParamsSchema>;

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
