import { AevError } from '../../common/errors.ts';
import { CLAUDE_CODE_HOOK_EVENTS, isClaudeCodeHookEvent } from '../../common/protocol/claude-code-hooks.ts';
import type { ClaudeCodeHookEvent } from '../../common/protocol/claude-code-hooks.ts';

/**
 * Events a recorder must never hook: a hook there changes what Claude Code does, not just observes it
 * (hooks reference, "WorktreeCreate": the hook replaces git's worktree creation and must print the
 * path; "FileChanged": the matcher is the list of file names to watch, there is no "every file").
 */
const HARMFUL: Readonly<Partial<Record<ClaudeCodeHookEvent, string>>> = {
  WorktreeCreate: 'a WorktreeCreate hook replaces git worktree creation, which a recorder must not do',
  FileChanged: 'the FileChanged matcher is a list of file names to watch; there is no "every file"',
};

/**
 * Left out of `all`: not on the hooks reference page yet (only in the Agent SDK's types), or firing per
 * streamed text chunk. Claude Code versions that do not know an event key reject the WHOLE settings
 * file ("Invalid key in record … Files with errors are skipped entirely"), so we only write keys the
 * reference documents. They can still be named explicitly with --events.
 */
const UNDOCUMENTED: ReadonlySet<ClaudeCodeHookEvent> = new Set<ClaudeCodeHookEvent>([
  'PreModelSwitch',
  'PostModelSwitch',
  'DirectoryAdded',
  'MessageDisplay',
]);

/**
 * The nine events every Claude Code with hooks has known, for versions that reject newer event keys.
 * It loses PostToolUseFailure (failed tool calls then have no "after" event) and PermissionRequest.
 */
export const CORE_EVENTS: readonly ClaudeCodeHookEvent[] = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'Notification',
  'Stop',
  'SubagentStop',
  'PreCompact',
  'SessionEnd',
];

export const ALL_EVENTS: readonly ClaudeCodeHookEvent[] = CLAUDE_CODE_HOOK_EVENTS.filter(
  (e) => HARMFUL[e] === undefined && !UNDOCUMENTED.has(e),
);

/** `--events all|core|Name,Name,…` → the events to hook, in lifecycle order. */
export function selectEvents(spec: string): readonly ClaudeCodeHookEvent[] {
  if (spec === 'all') return ALL_EVENTS;
  if (spec === 'core') return CORE_EVENTS;
  const wanted = new Set(
    spec
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  if (wanted.size === 0) throw new AevError('E_USAGE', '--events needs all, core or a comma-separated list of events');
  for (const name of wanted) {
    if (!isClaudeCodeHookEvent(name)) {
      throw new AevError(
        'E_USAGE',
        `unknown Claude Code hook event ${JSON.stringify(name)}; known: ${CLAUDE_CODE_HOOK_EVENTS.join(', ')}`,
      );
    }
    const harm = HARMFUL[name];
    if (harm !== undefined) throw new AevError('E_USAGE', `${name} cannot be recorded: ${harm}`);
  }
  return CLAUDE_CODE_HOOK_EVENTS.filter((e) => wanted.has(e));
}
