import type { AgentKind } from '../../common/model/agent.ts';

/** Agents known by the name of the program that starts them. */
const AGENT_PROGRAMS: ReadonlyMap<string, AgentKind> = new Map([
  ['claude', 'claude-code'],
  ['codex', 'codex'],
  ['gemini', 'gemini'],
  ['cursor-agent', 'cursor'],
]);

/**
 * Which agent `command` starts, from its base name (`/usr/local/bin/claude` → claude-code; on Windows
 * `codex.cmd` → codex); anything else is generic. It only labels the terminal: the agent's own hook
 * events say authoritatively who they come from.
 */
export function guessAgent(command: string): AgentKind {
  const base = command.split(/[\\/]/).at(-1) ?? command;
  const name = base.replace(/\.(exe|cmd|bat|ps1)$/i, '').toLowerCase();
  return AGENT_PROGRAMS.get(name) ?? 'generic';
}
