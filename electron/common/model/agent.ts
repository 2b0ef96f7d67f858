/** Agents we know how to receive events from. `generic` covers SDK agents posting our own frame shape. */
export const AGENT_KINDS = ['claude-code', 'codex', 'gemini', 'cursor', 'generic'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

/** Who opened a connection to the engine (declared in the hello frame, recorded with each event). */
export const CLIENT_KINDS = ['hook', 'http-hook', 'run', 'cli', 'app', 'sdk', 'test'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
