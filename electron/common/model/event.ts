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
