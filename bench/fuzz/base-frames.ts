import { AGENT_KINDS, CLIENT_KINDS } from '../../electron/common/model/agent.ts';
import { CONTROL_METHODS } from '../../electron/common/protocol/frames.ts';
import type { Rng } from './rng.ts';

/** What a lane knows while it builds frames: its own agent sessions, terminals and transcript paths. */
export interface FrameContext {
  readonly rng: Rng;
  readonly lane: string;
  readonly transcriptPaths: readonly string[];
  /** Engine session ids (s_…) the lane's acks named, for control read-back. Shared, grows over the run. */
  readonly knownSessions: readonly string[];
}

export type Frame = Record<string, unknown>;

const CLAUDE_EVENTS = [
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'UserPromptSubmit',
  'Notification',
  'SessionStart',
  'Stop',
  'SessionEnd',
  'PermissionRequest',
  'SubagentStop',
  'FutureEventNobodyKnows',
] as const;
const TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'mcp__db__query', 'WebFetch'] as const;

export function helloFrame(rng: Rng, api: 'ingest' | 'control' = 'ingest'): Frame {
  return { type: 'hello', id: `h${rng.int(1000)}`, protocol: 1, client: rng.pick(CLIENT_KINDS), api };
}

function requestId(rng: Rng): string | number {
  return rng.chance(0.5) ? rng.int(1_000_000) : `r-${rng.word(1, 20)}`;
}

/** An agent session id from a small per-lane pool, so fuzz events pile into a few sessions. */
function agentSessionId(ctx: FrameContext): string {
  return `fuzz-${ctx.lane}-${ctx.rng.int(6)}`;
}

/** A hook payload as an agent would send it: valid for its agent unless a mutation breaks it. */
export function hookPayload(ctx: FrameContext, agent: string): Frame {
  const { rng } = ctx;
  const session = agentSessionId(ctx);
  if (agent !== 'claude-code') {
    return {
      session_id: session,
      hook_event_name: rng.pick(['pre_tool', 'post_tool', 'turn', 'BeforeTool', 'AfterTool']),
      tool_name: rng.pick(TOOLS),
      tool_use_id: `call_${rng.int(500)}`,
      cwd: '/home/dev/project',
      args: { command: `echo ${rng.word()}` },
    };
  }
  const kind = rng.pick(CLAUDE_EVENTS);
  const payload: Frame = {
    session_id: session,
    transcript_path: rng.pick(ctx.transcriptPaths),
    cwd: '/home/dev/project',
    hook_event_name: kind,
  };
  if (rng.chance(0.3)) payload.permission_mode = rng.pick(['default', 'plan', 'acceptEdits']);
  switch (kind) {
    case 'PreToolUse':
    case 'PermissionRequest':
    case 'PostToolUse':
    case 'PostToolUseFailure':
      payload.tool_name = rng.pick(TOOLS);
      payload.tool_use_id = `toolu_${rng.int(200)}`;
      payload.tool_input = { command: `npm test -- ${rng.word()}`, description: 'run the tests' };
      if (kind === 'PostToolUse') payload.tool_response = { stdout: rng.word(0, 200), stderr: '', exit_code: 0 };
      if (kind === 'PostToolUseFailure') payload.error = 'Command failed with exit code 1';
      break;
    case 'UserPromptSubmit':
      payload.prompt = `please ${rng.word(1, 60)}`;
      break;
    case 'Notification':
      payload.message = 'Claude needs your permission';
      break;
    case 'SessionStart':
      payload.source = rng.pick(['startup', 'resume', 'clear']);
      break;
    case 'SessionEnd':
      payload.reason = 'exit';
      break;
    case 'Stop':
    case 'SubagentStop':
      payload.stop_hook_active = rng.chance(0.5);
      break;
    case 'FutureEventNobodyKnows':
      payload.novel = { nested: [1, 2, 3] };
      break;
  }
  return payload;
}

export function eventFrame(ctx: FrameContext): Frame {
  const { rng } = ctx;
  const agent = rng.chance(0.8) ? 'claude-code' : rng.pick(AGENT_KINDS);
  const event: Frame = { agent, payload: hookPayload(ctx, agent) };
  if (rng.chance(0.3)) event.sentAt = new Date(Date.UTC(2026, 0, 1) + rng.int(1e9)).toISOString();
  if (rng.chance(0.1)) event.terminalId = `term-${ctx.lane}-${rng.int(4)}`;
  if (rng.chance(0.1)) event.truncated = { 'tool_response.stdout': rng.int(5_000_000) };
  return { type: 'event', id: requestId(rng), event };
}

export function terminalOpenFrame(ctx: FrameContext, terminalId: string): Frame {
  const { rng } = ctx;
  return {
    type: 'terminal.open',
    id: requestId(rng),
    terminalId,
    agent: rng.pick(AGENT_KINDS),
    command: ['claude', '--model', rng.word()],
    width: rng.range(20, 300),
    height: rng.range(10, 100),
    timestamp: 1_767_225_600 + rng.int(1e6),
    env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
    title: rng.chance(0.5) ? `fuzz ${rng.word()}` : undefined,
    recordInput: rng.chance(0.2),
  };
}

export function terminalDataFrame(ctx: FrameContext, terminalId: string, fromT: number): Frame {
  const { rng } = ctx;
  const events: [number, string, string][] = [];
  let t = fromT;
  for (let n = rng.range(1, 20); n > 0; n--) {
    t += rng.float();
    events.push([
      t,
      rng.pick(['o', 'o', 'o', 'i', 'r', 'm']),
      rng.chance(0.5) ? '\u001b[32mok\u001b[0m\r\n' : rng.word(),
    ]);
  }
  return { type: 'terminal.data', id: requestId(rng), terminalId, events };
}

export function terminalCloseFrame(ctx: FrameContext, terminalId: string): Frame {
  const { rng } = ctx;
  const frame: Frame = { type: 'terminal.close', id: requestId(rng), terminalId, exitCode: rng.range(-1, 255) };
  if (rng.chance(0.2)) frame.signal = rng.range(1, 31);
  return frame;
}

/**
 * A control request. `recording.pause` and `recording.resume` are left out on purpose: they are the
 * user's switch, and pausing would change what every other client's acks say.
 */
export function requestFrame(ctx: FrameContext): Frame {
  const { rng } = ctx;
  const methods = CONTROL_METHODS.filter((m) => m !== 'recording.pause' && m !== 'recording.resume');
  const method = rng.chance(0.15)
    ? rng.pick(['sessions.delete', 'vault.export', '', 'status ', 'STATUS'])
    : rng.pick(methods);
  const known = ctx.knownSessions;
  const params: Frame = {};
  switch (method) {
    case 'sessions.list':
      params.limit = rng.pick([1, 20, 100, 10_000, 0, -1, 1e9]);
      if (rng.chance(0.3)) params.agent = rng.pick([...AGENT_KINDS, 'nobody']);
      if (rng.chance(0.3)) params.kind = rng.pick(['agent', 'terminal', 'screen', 'other']);
      break;
    case 'sessions.show':
      {
        // Same draws whatever the list holds, so what the lane sends later never depends on timing.
        const useKnown = rng.chance(0.8);
        const k = rng.next();
        const made = `s_${rng.word(26, 26).toUpperCase()}`;
        params.id = useKnown && known.length > 0 ? (known[k % known.length] ?? made) : made;
      }
      params.payloads = rng.chance(0.7);
      break;
    case 'video.read':
      params.recording = `r_${rng.word()}`;
      params.from = '2026-01-01T00:00:00Z';
      params.to = rng.chance(0.5) ? '2026-01-01T00:00:10Z' : 'not a date';
      break;
    default:
      break;
  }
  return { type: 'request', id: requestId(rng), method, params };
}
