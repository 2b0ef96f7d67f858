import path from 'node:path';
import { AevError, assertNever } from '../../common/errors.ts';

export const SETTINGS_SCOPES = ['user', 'project', 'local'] as const;
export type SettingsScope = (typeof SETTINGS_SCOPES)[number];

export function parseScope(value: string | undefined): SettingsScope {
  if (value !== undefined && (SETTINGS_SCOPES as readonly string[]).includes(value)) return value as SettingsScope;
  throw new AevError('E_USAGE', `--scope must be one of ${SETTINGS_SCOPES.join(', ')}`);
}

/**
 * The settings file of a scope (Claude Code settings, "Settings files"; hooks reference, "Hook
 * locations"): user ~/.claude/settings.json, project .claude/settings.json (committed, shared with the
 * team), local .claude/settings.local.json (gitignored). CLAUDE_CONFIG_DIR, when set, replaces
 * ~/.claude. Project and local are relative to the folder Claude Code is started in: `cwd`.
 */
export function claudeSettingsPath(
  scope: SettingsScope,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  switch (scope) {
    case 'user': {
      const configDir = env.CLAUDE_CONFIG_DIR;
      if (configDir !== undefined && configDir !== '') return path.join(path.resolve(cwd, configDir), 'settings.json');
      const home = env.HOME ?? env.USERPROFILE;
      if (home === undefined || home === '') {
        throw new AevError('E_CONFIG', 'cannot find your home folder (HOME is not set); set HOME or CLAUDE_CONFIG_DIR');
      }
      return path.join(home, '.claude', 'settings.json');
    }
    case 'project':
      return path.join(cwd, '.claude', 'settings.json');
    case 'local':
      return path.join(cwd, '.claude', 'settings.local.json');
    default:
      return assertNever(scope, 'scope');
  }
}
