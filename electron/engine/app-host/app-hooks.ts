import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import type { AppParams } from '../../common/ipc/app-api.ts';
import type { HookScopeView, HooksEditView, HooksScopeView, HooksView } from '../../common/ipc/app-views.ts';
import { claudeHooksStatus, installClaudeHooks, uninstallClaudeHooks } from '../hooks/claude-hooks.ts';
import { claudeSettingsPath, SETTINGS_SCOPES } from '../hooks/claude-settings-path.ts';
import type { EditOutcome } from '../hooks/edit-settings.ts';
import { ALL_EVENTS } from '../hooks/installed-events.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { readSettings } from '../runtime/settings-file.ts';
import type { AppHostContext } from './app-host-context.ts';

/**
 * Claude Code hooks from the app (docs/claude-code.md), through the same engine functions as
 * `aev hooks install|uninstall`: the user scope always, project and local scopes for a folder the user
 * names (the app has no "current folder" of its own).
 */
export function hooksView(ctx: AppHostContext, projectDir: string | undefined): HooksView {
  const dir = projectDir === undefined ? undefined : checkedDir(projectDir);
  const scopes = SETTINGS_SCOPES.map((scope): HooksScopeView => {
    const file = scopeFile(ctx, scope, dir);
    if (file === null) return { scope, file: null, exists: false, events: [], policy: null, command: null };
    const s = claudeHooksStatus(file);
    return { scope, file, exists: s.exists, events: s.events, policy: s.policy, command: s.command };
  });
  return { agent: 'claude-code', scopes, allEvents: ALL_EVENTS.length };
}

export function installHooksFromApp(ctx: AppHostContext, p: AppParams<'installHooks'>): HooksEditView {
  const dir = p.projectDir === undefined ? undefined : checkedDir(p.projectDir);
  const file = requiredFile(ctx, p.scope, dir);
  const policy = p.policy ?? readSettings(runtimePaths(ctx.dataRoot).settingsPath).hookPolicy ?? 'fail-open';
  const outcome = installClaudeHooks({
    file,
    scope: p.scope,
    dryRun: false,
    now: new Date(ctx.now()),
    launcher: ctx.hookLauncher(),
    policy,
    events: ALL_EVENTS,
  });
  return editView(ctx, outcome, dir);
}

export function uninstallHooksFromApp(ctx: AppHostContext, p: AppParams<'uninstallHooks'>): HooksEditView {
  const dir = p.projectDir === undefined ? undefined : checkedDir(p.projectDir);
  const outcome = uninstallClaudeHooks({
    file: requiredFile(ctx, p.scope, dir),
    scope: p.scope,
    dryRun: false,
    now: new Date(ctx.now()),
  });
  return editView(ctx, outcome, dir);
}

function editView(ctx: AppHostContext, o: EditOutcome, dir: string | undefined): HooksEditView {
  return {
    file: o.file,
    written: o.written,
    backup: o.backup ?? null,
    added: o.result.added,
    updated: o.result.updated,
    unchanged: o.result.unchanged,
    removed: o.result.removed,
    hooks: hooksView(ctx, dir),
  };
}

function scopeFile(ctx: AppHostContext, scope: HookScopeView, dir: string | undefined): string | null {
  if (scope !== 'user' && dir === undefined) return null;
  return claudeSettingsPath(scope, ctx.env, dir ?? ctx.env.HOME ?? '/');
}

function requiredFile(ctx: AppHostContext, scope: HookScopeView, dir: string | undefined): string {
  const file = scopeFile(ctx, scope, dir);
  if (file === null) throw new AevError('E_USAGE', `the ${scope} scope needs the project folder it is about`);
  return file;
}

function checkedDir(dir: string): string {
  if (!path.isAbsolute(dir)) throw new AevError('E_USAGE', `the project folder must be an absolute path: ${dir}`);
  return dir;
}
