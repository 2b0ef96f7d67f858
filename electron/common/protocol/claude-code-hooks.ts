/**
 * Claude Code's hook events and the JSON each one receives (docs/claude-code.md). Sources: the hooks
 * reference, https://code.claude.com/docs/en/hooks ("Hook events", "Common input fields", "Matcher
 * patterns"), and the hook input types shipped in @anthropic-ai/claude-agent-sdk (sdk.d.ts, 0.3.330),
 * which also name events the reference page does not list yet (marked below).
 *
 * The schema is deliberately tolerant: an event is evidence, and refusing it loses it. Unknown fields
 * are kept, documented fields are type-checked when present, and only the few fields an event is
 * meaningless without are required. Unknown event names (a newer Claude Code) pass with the base fields.
 */
import { z } from 'zod';

export { denyDecision } from './claude-code-decisions.ts';

/** Every documented event, in lifecycle order (hooks reference, "Hook lifecycle"). */
export const CLAUDE_CODE_HOOK_EVENTS = [
  'SessionStart',
  'Setup',
  'InstructionsLoaded',
  'UserPromptSubmit',
  'UserPromptExpansion',
  'PreToolUse',
  'PermissionRequest',
  'PermissionDenied',
  'PostToolUse',
  'PostToolUseFailure',
  'PostToolBatch',
  'Notification',
  'SubagentStart',
  'SubagentStop',
  'TaskCreated',
  'TaskCompleted',
  'Stop',
  'StopFailure',
  'TeammateIdle',
  'ConfigChange',
  'CwdChanged',
  'FileChanged',
  'WorktreeCreate',
  'WorktreeRemove',
  'PreCompact',
  'PostCompact',
  'Elicitation',
  'ElicitationResult',
  // In the Agent SDK's HOOK_EVENTS, not yet on the reference page.
  'PreModelSwitch',
  'PostModelSwitch',
  'DirectoryAdded',
  'MessageDisplay',
  'SessionEnd',
] as const;

export type ClaudeCodeHookEvent = (typeof CLAUDE_CODE_HOOK_EVENTS)[number];

/** What every payload carries that the recorder relies on; everything else passes through untouched. */
export interface ClaudeCodeHookPayload {
  readonly session_id: string;
  readonly hook_event_name: string;
  readonly transcript_path?: string;
  readonly cwd?: string;
  readonly tool_name?: string;
  readonly tool_use_id?: string;
  readonly [key: string]: unknown;
}

/** Events whose payload is about one tool call (tool_name, tool_input): the matcher filters tool names. */
const TOOL_EVENT_NAMES: readonly ClaudeCodeHookEvent[] = [
  'PreToolUse',
  'PermissionRequest',
  'PermissionDenied',
  'PostToolUse',
  'PostToolUseFailure',
];
const TOOL_EVENTS: ReadonlySet<string> = new Set(TOOL_EVENT_NAMES);

export function isToolEvent(name: string): boolean {
  return TOOL_EVENTS.has(name);
}

/**
 * Events whose matcher group honours `matcher` (hooks reference, "Matcher patterns": the others
 * "don't support matchers and always fire"; the SDK-only events are not documented either way, and an
 * omitted matcher matches everything, so they get none).
 */
const MATCHER_EVENTS: ReadonlySet<string> = new Set<ClaudeCodeHookEvent>([
  ...TOOL_EVENT_NAMES,
  'SessionStart',
  'Setup',
  'SessionEnd',
  'Notification',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'ConfigChange',
  'FileChanged',
  'StopFailure',
  'InstructionsLoaded',
  'UserPromptExpansion',
  'Elicitation',
  'ElicitationResult',
]);

export function takesMatcher(name: string): boolean {
  return MATCHER_EVENTS.has(name);
}

export function isClaudeCodeHookEvent(name: string): name is ClaudeCodeHookEvent {
  return (CLAUDE_CODE_HOOK_EVENTS as readonly string[]).includes(name);
}

// Lengths bound what an index column or a log line can be made to hold; free text is bounded by the frame.
const id = z.string().max(256);
const filePath = z.string().max(4096);
const text = z.string();
const object = z.record(z.string(), z.unknown());

/** "Common input fields" plus the subagent fields ("When running with --agent or inside a subagent"). */
const baseShape = {
  session_id: z.string().min(1).max(256),
  hook_event_name: z.string().min(1).max(128),
  transcript_path: filePath.optional(),
  cwd: filePath.optional(),
  permission_mode: z.string().max(64).optional(),
  agent_id: id.optional(),
  agent_type: id.optional(),
  prompt_id: id.optional(),
  effort: z.looseObject({ level: z.string().max(32) }).optional(),
  tool_name: id.optional(),
  tool_use_id: id.optional(),
};

const toolShape = {
  tool_name: z.string().min(1).max(256),
  tool_input: object.optional(),
  tool_use_id: id.optional(),
  duration_ms: z.number().nonnegative().optional(),
  mcp_server: z.looseObject({ name: text, source: text }).optional(),
};

/** Per event: the documented fields beyond the base, `.optional()` unless the event needs them. */
const EVENT_FIELDS: Readonly<Record<ClaudeCodeHookEvent, z.ZodRawShape>> = {
  SessionStart: { source: text.optional(), model: text.optional(), session_title: text.optional() },
  Setup: { trigger: text.optional() },
  InstructionsLoaded: {
    file_path: filePath.optional(),
    memory_type: text.optional(),
    load_reason: text.optional(),
    globs: z.array(text).optional(),
    trigger_file_path: filePath.optional(),
    parent_file_path: filePath.optional(),
  },
  UserPromptSubmit: { prompt: text, source: text.optional() },
  UserPromptExpansion: {
    expansion_type: text.optional(),
    command_name: text.optional(),
    command_args: text.optional(),
    command_source: text.optional(),
    prompt: text.optional(),
  },
  PreToolUse: toolShape,
  PermissionRequest: { ...toolShape, permission_suggestions: z.array(z.unknown()).optional() },
  PermissionDenied: { ...toolShape, reason: text.optional() },
  PostToolUse: { ...toolShape, tool_response: z.unknown() },
  PostToolUseFailure: { ...toolShape, error: text, is_interrupt: z.boolean().optional() },
  PostToolBatch: {
    tool_calls: z
      .array(z.looseObject({ tool_name: text, tool_use_id: id.optional(), tool_input: z.unknown() }))
      .optional(),
  },
  Notification: { message: text.optional(), title: text.optional(), notification_type: text.optional() },
  SubagentStart: {},
  SubagentStop: {
    stop_hook_active: z.boolean().optional(),
    agent_transcript_path: filePath.optional(),
    last_assistant_message: text.optional(),
  },
  TaskCreated: taskShape(),
  TaskCompleted: taskShape(),
  Stop: { stop_hook_active: z.boolean().optional(), last_assistant_message: text.optional() },
  StopFailure: { error: text.optional(), error_details: text.optional(), last_assistant_message: text.optional() },
  TeammateIdle: { teammate_name: text.optional(), team_name: text.optional() },
  ConfigChange: { source: text.optional(), file_path: filePath.optional() },
  CwdChanged: { old_cwd: filePath.optional(), new_cwd: filePath.optional() },
  FileChanged: { file_path: filePath.optional(), event: text.optional() },
  WorktreeCreate: { name: text.optional() },
  WorktreeRemove: { worktree_path: filePath.optional() },
  PreCompact: { trigger: text.optional(), custom_instructions: text.nullable().optional() },
  PostCompact: { trigger: text.optional(), compact_summary: text.optional() },
  Elicitation: {
    mcp_server_name: text.optional(),
    message: text.optional(),
    mode: text.optional(),
    url: text.optional(),
    elicitation_id: id.optional(),
    requested_schema: object.optional(),
  },
  ElicitationResult: {
    mcp_server_name: text.optional(),
    elicitation_id: id.optional(),
    mode: text.optional(),
    action: text.optional(),
    content: object.optional(),
  },
  PreModelSwitch: modelSwitchShape(),
  PostModelSwitch: modelSwitchShape(),
  DirectoryAdded: { directory: filePath.optional(), source: text.optional() },
  MessageDisplay: {
    turn_id: id.optional(),
    message_id: id.optional(),
    index: z.number().int().nonnegative().optional(),
    final: z.boolean().optional(),
    delta: text.optional(),
  },
  SessionEnd: { reason: text.optional() },
};

function taskShape(): z.ZodRawShape {
  return {
    task_id: id.optional(),
    task_subject: text.optional(),
    task_description: text.optional(),
    teammate_name: text.optional(),
    team_name: text.optional(),
  };
}

function modelSwitchShape(): z.ZodRawShape {
  return {
    from_model: text.optional(),
    to_model: text.optional(),
    requested_model: text.nullable().optional(),
    source: text.optional(),
  };
}

const basePayloadSchema = z.looseObject(baseShape);

// Each event's schema holds the base fields too: where an event names one again (tool_name, tool_use_id
// in toolShape), as strict as the base's or stricter, so passing it implies passing the base.
const EVENT_SCHEMAS: ReadonlyMap<string, z.ZodType<ClaudeCodeHookPayload>> = new Map(
  CLAUDE_CODE_HOOK_EVENTS.map((name) => [
    name,
    z.looseObject({ ...baseShape, ...EVENT_FIELDS[name] }) as unknown as z.ZodType<ClaudeCodeHookPayload>,
  ]),
);

/**
 * A Claude Code hook payload as it arrives on stdin (or as an HTTP hook's body). The base fields are
 * checked first; a known event is then checked against its own fields and every issue is reported
 * with its path, so a refusal names the field (`payload.tool_name`, not "invalid input").
 */
export const claudeCodeHookPayloadSchema: z.ZodType<ClaudeCodeHookPayload> = basePayloadSchema.superRefine(
  (payload, ctx) => {
    // Base fields first: a payload with a broken base is reported for that alone, not twice.
    const schema = EVENT_SCHEMAS.get(payload.hook_event_name);
    if (schema === undefined || ctx.issues.length > 0) return;
    const result = schema.safeParse(payload);
    if (result.success) return;
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: payload });
    }
  },
);

/**
 * The schema that alone decides `payload`, for the ingest path (every event passes it): a known event's
 * own schema, so a valid payload is parsed once instead of by the base schema and then again by its
 * event's (the bench's Pre/PostToolUse payloads, warm: 1.5 µs a payload for both, 0.95 µs for one). It
 * accepts exactly what `claudeCodeHookPayloadSchema` accepts; its issues can differ (both the base and
 * the event's), so a refusal is reported from `claudeCodeHookPayloadSchema`.
 */
export function claudeCodeSchemaFor(payload: unknown): z.ZodType<ClaudeCodeHookPayload> {
  const name =
    typeof payload === 'object' && payload !== null ? (payload as { hook_event_name?: unknown }).hook_event_name : null;
  return (typeof name === 'string' ? EVENT_SCHEMAS.get(name) : undefined) ?? claudeCodeHookPayloadSchema;
}
