import type { SettingsScope } from './claude-settings-path.ts';
import { editSettings } from './edit-settings.ts';
import type { EditOutcome } from './edit-settings.ts';
import { commandPolicy, hookCommand } from './hook-command.ts';
import type { HookPolicy } from './hook-command.ts';
import { installedHooks, installHooks, uninstallHooks } from './merge-hooks.ts';
import { parseSettings, readSettingsFile } from './settings-file.ts';

/** Seconds Claude Code waits for `aev hook` (which itself gives up on the recorder after 3 s). */
export const HOOK_TIMEOUT_SECONDS = 10;

export interface ClaudeHooksEdit {
  /** The Claude Code settings file of the scope (claudeSettingsPath). */
  readonly file: string;
  readonly scope: SettingsScope;
  readonly dryRun: boolean;
  readonly now: Date;
}

/**
 * Installs one `aev hook` command hook per event in a Claude Code settings file (docs/claude-code.md),
 * keeping every other hook and setting; `aev hooks install` and the desktop app both come here.
 */
export function installClaudeHooks(
  o: ClaudeHooksEdit & { readonly launcher: string; readonly policy: HookPolicy; readonly events: readonly string[] },
): EditOutcome {
  const command = hookCommand(o.launcher, o.policy);
  return editSettings(
    o.file,
    (s) => installHooks(s, { command, events: o.events, timeoutSeconds: HOOK_TIMEOUT_SECONDS }),
    editOptions(o),
  );
}

export function uninstallClaudeHooks(o: ClaudeHooksEdit): EditOutcome {
  return editSettings(o.file, uninstallHooks, editOptions(o));
}

export interface ClaudeHooksStatus {
  readonly file: string;
  readonly exists: boolean;
  /** Events that run `aev hook`. */
  readonly events: readonly string[];
  /** The policy our hooks ask for; null when none is installed. Mixed policies count as fail-open. */
  readonly policy: HookPolicy | null;
  /** The command of the first of our hooks, for display. */
  readonly command: string | null;
}

/** Which events of a settings file run `aev hook`, read without changing anything. */
export function claudeHooksStatus(file: string): ClaudeHooksStatus {
  const current = readSettingsFile(file);
  if (current.text === undefined) return { file, exists: false, events: [], policy: null, command: null };
  const ours = installedHooks(parseSettings(current.text, file).settings);
  const first = ours[0];
  const policy =
    first === undefined
      ? null
      : ours.every((h) => commandPolicy(h.command) === 'fail-closed')
        ? 'fail-closed'
        : 'fail-open';
  return { file, exists: true, events: ours.map((h) => h.event), policy, command: first?.command ?? null };
}

/** A file we create is private unless it is the project's shared, committed one. */
function editOptions(o: ClaudeHooksEdit) {
  return {
    dryRun: o.dryRun,
    now: o.now,
    newFileMode: o.scope === 'project' ? 0o644 : 0o600,
    newDirMode: o.scope === 'user' ? 0o700 : 0o755,
  };
}
