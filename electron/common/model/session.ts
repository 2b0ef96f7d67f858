import type { AgentKind } from './agent.ts';
import type { SessionKind } from './media.ts';

export type SessionState = 'active' | 'ended';
/**
 * agent sessions: session-end, idle; screen recordings: recording-stopped (no agent active any more, or
 * paused), daemon-stopped; terminals: exited, disconnected (the `aev run` connection dropped).
 */
export type SessionEndReason =
  'session-end' | 'idle' | 'daemon-stopped' | 'recording-stopped' | 'exited' | 'disconnected';

export interface SessionSummary {
  readonly id: string;
  /** agent: an agent's hook events; screen: a screen recording; terminal: a terminal run by `aev run`. */
  readonly kind: SessionKind;
  /** For a screen recording "aev"; for a terminal, the agent it runs (guessed from the command). */
  readonly agent: AgentKind | 'aev';
  /** The agent's own session id (Claude Code `session_id`). */
  readonly agentSessionId: string;
  readonly state: SessionState;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly endReason: SessionEndReason | null;
  readonly lastEventAt: string;
  readonly eventCount: number;
  readonly toolCallCount: number;
}
