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

/** Case-insensitive: the agent, kind or id of the session, or (once loaded) its tool calls. */
export function sessionMatches(session: SessionSummary, query: string, detailText: string | undefined): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const own = `${session.agent}\n${session.kind}\n${session.id}\n${session.agentSessionId}`.toLowerCase();
  return own.includes(q) || (detailText?.includes(q) ?? false);
}
