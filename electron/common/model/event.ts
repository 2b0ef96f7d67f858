import type { AgentKind, ClientKind } from './agent.ts';

/**
 * An agent event as the index keeps it in clear: only what queries need. The payload (prompts, tool
 * inputs and outputs) is stored encrypted and is returned only when a caller asks for it (invariant I1).
 */
export interface EventRecord {
  readonly id: string;
  readonly sessionId: string;
  /** Per-session sequence number, from 1, gap-free. */
  readonly seq: number;
  readonly agent: AgentKind;
  /** The hook event name, e.g. `PreToolUse`; unknown names are kept as sent. */
  readonly kind: string;
  readonly toolName: string | null;
  readonly toolUseId: string | null;
  /** Wall-clock receive time (ISO 8601, UTC, ms). */
  readonly receivedAt: string;
  /** Monotonic receive time in microseconds (same clock for one daemon run; orders events across wall-clock jumps). */
  readonly receivedMonoUs: number;
  readonly client: ClientKind;
  /** Links the event to an `aev run` terminal recording when the agent was started that way. */
  readonly terminalId: string | null;
  /**
   * SHA-256 (hex) of the canonical (RFC 8785) event including its payload and a random salt, so the
   * clear digest reveals nothing guessable. When sealed, the event's Merkle leaf is H(0x00 || digest).
   */
  readonly digest: string;
  readonly payloadBytes: number;
  /**
   * What was redacted from the payload before it was stored (docs/redaction.md), or null. Sealed with
   * the event (its `meta`), shown in clear: pattern ids and counts, never the secrets.
   */
  readonly redactions: readonly RedactionCount[] | null;
}

/** How many secrets one redaction pattern replaced. */
export interface RedactionCount {
  readonly pattern: string;
  readonly count: number;
}

/**
 * Where an event sits in the captured media (DESIGN.md §4, "pinned to the frames of the same moment"):
 * the chain record that sealed it, the screen recording and the offset into its video, and the
 * position in its `aev run` terminal recording. Null where there is none (yet).
 */
export interface EventPins {
  /** The chain record (window) that sealed the event; null while its window is open. */
  readonly window: number | null;
  /** `recording` is a screen session; `offsetMs` is the presentation time in that recording's video. */
  readonly video: { readonly recording: string; readonly init: number; readonly offsetMs: number } | null;
  /** `session` is the terminal session; `atSeconds` is the asciicast time of the event. */
  readonly terminal: { readonly session: string; readonly atSeconds: number } | null;
}

export interface PinnedEvent extends EventRecord {
  readonly pins: EventPins;
}

export interface EventWithPayload extends EventRecord {
  readonly payload: Readonly<Record<string, unknown>>;
}

export type ToolCallOutcome = 'pending' | 'success' | 'failure';

/** A PreToolUse paired with its PostToolUse / PostToolUseFailure by `tool_use_id`. */
export interface ToolCall {
  readonly sessionId: string;
  readonly toolUseId: string;
  readonly toolName: string;
  readonly preEventId: string | null;
  readonly postEventId: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  readonly outcome: ToolCallOutcome;
}
