import type { AgentKind } from './agent.ts';

export type SessionState = 'active' | 'ended';
export type SessionEndReason = 'session-end' | 'idle' | 'daemon-stopped';

export interface SessionSummary {
  readonly id: string;
  readonly agent: AgentKind;
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
