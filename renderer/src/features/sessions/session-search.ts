import type { SessionDetailView } from '../../../../electron/common/ipc/app-api.ts';
import type { SessionSummary } from '../../../../electron/common/model/session.ts';

/** What a search can find in a session's details: tool names and the text of tool inputs (commands, paths). */
export function searchableText(detail: SessionDetailView): string {
  const parts: string[] = [];
  for (const e of detail.events) {
    if (e.toolName !== null) parts.push(e.toolName);
    if ('payload' in e) {
      const input = e.payload.tool_input;
      if (typeof input === 'object' && input !== null)
        for (const v of Object.values(input)) if (typeof v === 'string') parts.push(v);
    }
  }
  return parts.join('\n').toLowerCase();
}

/**
 * Case-insensitive: the agent, kind or id of the session, the day it started (ISO `2026-01-31` or as the
 * list shows it), or (once loaded) its tool calls: names, commands, file paths.
 */
export function sessionMatches(session: SessionSummary, query: string, detailText: string | undefined): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const started = new Date(session.startedAt);
  const own = [
    session.agent,
    session.kind,
    session.id,
    session.agentSessionId,
    session.startedAt,
    started.toLocaleString(),
    started.toLocaleDateString(),
  ]
    .join('\n')
    .toLowerCase();
  return own.includes(q) || (detailText?.includes(q) ?? false);
}
