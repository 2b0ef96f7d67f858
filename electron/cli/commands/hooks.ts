import { parseArgs } from 'node:util';
import { AevError, isAevError } from '../../common/errors.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { HOOK_TIMEOUT_SECONDS, installClaudeHooks, uninstallClaudeHooks } from '../../engine/hooks/claude-hooks.ts';
import { claudeSettingsPath, parseScope } from '../../engine/hooks/claude-settings-path.ts';
import type { SettingsScope } from '../../engine/hooks/claude-settings-path.ts';
import type { EditOutcome } from '../../engine/hooks/edit-settings.ts';
import { defaultLauncher, hookCommand, parseHookPolicy } from '../../engine/hooks/hook-command.ts';
import type { HookPolicy } from '../../engine/hooks/hook-command.ts';
import { selectEvents } from '../../engine/hooks/installed-events.ts';

export const HOOKS_USAGE = `Usage:
  aev hooks install --agent claude-code --scope user|project|local
                    [--policy fail-open|fail-closed] [--events all|core|Name,…] [--command CMD] [--dry-run]
  aev hooks uninstall --agent claude-code --scope user|project|local [--dry-run]

Adds to (or removes from) Claude Code's settings one command hook per event that runs \`aev hook\`.
Your own hooks and every other setting are kept; a backup of the old file is written next to it.
  --scope     user: ~/.claude/settings.json (or $CLAUDE_CONFIG_DIR), project: .claude/settings.json,
              local: .claude/settings.local.json (both in the current folder)
  --policy    fail-open (default): tool calls go ahead when the recorder is down;
              fail-closed: they are refused until it is back
  --events    all (default): every documented event; core: the nine events older Claude Code knows
  --command   how Claude Code should start aev (default: this installation's bin/aev.js)
  --dry-run   print the change as a diff and write nothing
See docs/claude-code.md.`;

/** `aev hooks install|uninstall`: exit 0 when done (or nothing to do), 1 when it failed, 2 on bad usage. */
export function run(argv: string[], io: CliIo): Promise<number> {
  try {
    return Promise.resolve(hooks(argv, io));
  } catch (error) {
    if (!isAevError(error)) throw error;
    writeLine(io.stderr, `aev: ${error.message} [${error.code}]`);
    if (error.code === 'E_USAGE') writeLine(io.stderr, `\n${HOOKS_USAGE}`);
    return Promise.resolve(error.code === 'E_USAGE' ? 2 : 1);
  }
}

function parseHooksArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        agent: { type: 'string' },
        scope: { type: 'string' },
        policy: { type: 'string' },
        events: { type: 'string' },
        command: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new AevError('E_USAGE', (error as Error).message);
  }
}

function hooks(argv: string[], io: CliIo): number {
  const { values, positionals } = parseHooksArgs(argv);
  if (values.help === true) {
    writeLine(io.stdout, HOOKS_USAGE);
    return 0;
  }
  const [action, ...extra] = positionals;
  if ((action !== 'install' && action !== 'uninstall') || extra.length > 0) {
    throw new AevError('E_USAGE', 'say `aev hooks install` or `aev hooks uninstall`');
  }
  if (values.agent !== 'claude-code') {
    throw new AevError('E_USAGE', '--agent claude-code is required (the only agent whose hooks aev installs so far)');
  }
  const scope = parseScope(values.scope);
  const file = claudeSettingsPath(scope, io.env, io.cwd);
  const edit = { file, scope, dryRun: values['dry-run'] === true, now: new Date() };

  if (action === 'uninstall') {
    if (values.policy !== undefined || values.events !== undefined || values.command !== undefined) {
      throw new AevError('E_USAGE', 'uninstall takes only --agent, --scope and --dry-run');
    }
    const outcome = uninstallClaudeHooks(edit);
    report(io, outcome, 'uninstall', scope);
    return 0;
  }
  const policy = parseHookPolicy(values.policy ?? 'fail-open');
  const launcher = launcherFrom(values.command);
  const events = selectEvents(values.events ?? 'all');
  const outcome = installClaudeHooks({ ...edit, launcher, policy, events });
  report(io, outcome, 'install', scope, { policy, command: hookCommand(launcher, policy) });
  return 0;
}

function launcherFrom(command: string | undefined): string {
  if (command === undefined) return defaultLauncher();
  const trimmed = command.trim();
  if (trimmed === '' || /[\n\r]/.test(trimmed)) {
    throw new AevError('E_USAGE', '--command must be one line, e.g. --command "npx aev"');
  }
  return trimmed;
}

function report(
  io: CliIo,
  o: EditOutcome,
  action: 'install' | 'uninstall',
  scope: SettingsScope,
  installed?: { readonly policy: HookPolicy; readonly command: string },
): void {
  const out = (line = ''): void => {
    writeLine(io.stdout, line);
  };
  const r = o.result;
  if (!o.written) {
    if (o.diff !== '') {
      out(o.diff.trimEnd());
      out();
      out(`aev: dry run, ${o.file} was not changed`);
    } else if (action === 'uninstall') {
      out(`aev: no Agent Evidence hooks in ${o.file}; nothing to remove`);
    } else {
      out(`aev: Claude Code hooks already installed in ${o.file} (${r.unchanged.length} events); nothing to change`);
    }
    return;
  }
  if (action === 'uninstall') {
    out(`aev: removed Agent Evidence hooks from ${r.removed.length} events in ${o.file} (${scope} scope)`);
    out('  your own hooks and other settings were left as they were');
  } else {
    out(`aev: Claude Code hooks installed in ${o.file} (${scope} scope)`);
    out(
      `  ${r.added.length} events added, ${r.updated.length} updated, ${r.unchanged.length} already current` +
        (r.removed.length > 0 ? `, ${r.removed.length} removed` : ''),
    );
    out(`  each event runs: ${installed?.command ?? ''}  (timeout ${HOOK_TIMEOUT_SECONDS} s)`);
    out(
      installed?.policy === 'fail-closed'
        ? '  policy: fail-closed (a tool call is refused when the recorder cannot record it)'
        : '  policy: fail-open (tool calls go ahead when the recorder is down; the gap is noted)',
    );
  }
  out(o.backup === undefined ? `  ${o.file} was created` : `  backup of the previous file: ${o.backup}`);
  out();
  out('Next steps:');
  if (action === 'install') {
    out('  1. start the recorder: `aev daemon` (or the desktop app)');
    out('  2. restart Claude Code, or type /hooks in it to see the hooks');
    out('  3. `aev status` shows the events arriving');
    out('  If Claude Code then reports "Invalid key in record" for this file, it is older than some of');
    out('  these events: update it, or reinstall with --events core.');
  } else {
    out('  restart Claude Code (or type /hooks) so it stops calling aev');
  }
}
