import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../../electron/cli/cli-io.ts';
import { run } from '../../../../electron/cli/commands/hooks.ts';
import { ALL_EVENTS } from '../../../../electron/engine/hooks/installed-events.ts';
import { installedHooks } from '../../../../electron/engine/hooks/merge-hooks.ts';
import { loadClaudeCodeFixtures } from '../../../fixtures/claude-code/index.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let tmp: ReturnType<typeof makeTempDir>;
let home: string;
let project: string;

beforeEach(() => {
  tmp = makeTempDir();
  home = path.join(tmp.dir, 'home');
  project = path.join(tmp.dir, 'shop');
  fs.mkdirSync(home);
  fs.mkdirSync(project);
});
afterEach(() => {
  tmp.cleanup();
});

async function aevHooks(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const io: CliIo = { stdin: Readable.from([]), stdout, stderr, env: { HOME: home, ...env }, cwd: project };
  const code = await run(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const userFile = (): string => path.join(home, '.claude', 'settings.json');
const read = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const backups = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('.aev-backup-')) : [];

const USER_SETTINGS = `{
  "permissions": { "allow": ["Bash(npm test:*)"] },
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/guard.sh" }] }
    ]
  },
  "model": "opus"
}
`;

describe('aev hooks install', () => {
  it('creates ~/.claude/settings.json, private, with every event hooked', async () => {
    const r = await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`hooks installed in ${userFile()} (user scope)`);
    expect(r.stdout).toContain('Next steps');
    expect(new Set(installedHooks(read(userFile())).map((h) => h.event))).toEqual(new Set(ALL_EVENTS));
    expect(fs.statSync(userFile()).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(userFile())).mode & 0o777).toBe(0o700);
    expect(backups(path.dirname(userFile()))).toEqual([]);
  });

  it('keeps the user’s hooks and settings, backs the old file up, and is idempotent', async () => {
    fs.mkdirSync(path.dirname(userFile()));
    fs.writeFileSync(userFile(), USER_SETTINGS, { mode: 0o644 });
    const first = await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user']);
    expect(first.code, first.stderr).toBe(0);
    const after = fs.readFileSync(userFile(), 'utf8');
    expect(after).toContain('  "permissions": { "allow": ["Bash(npm test:*)"] },');
    expect(after).toContain(
      '      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/guard.sh" }] },',
    );
    expect(read(userFile()).model).toBe('opus');
    expect(fs.statSync(userFile()).mode & 0o777).toBe(0o644);
    const [backup] = backups(path.dirname(userFile()));
    expect(fs.readFileSync(path.join(path.dirname(userFile()), backup!), 'utf8')).toBe(USER_SETTINGS);

    const second = await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already installed');
    expect(fs.readFileSync(userFile(), 'utf8')).toBe(after);
    expect(backups(path.dirname(userFile()))).toHaveLength(1);
  });

  it('switches the policy by replacing our command, and uninstall restores the original bytes', async () => {
    fs.mkdirSync(path.dirname(userFile()));
    fs.writeFileSync(userFile(), USER_SETTINGS);
    await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user']);
    const closed = await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user', '--policy', 'fail-closed']);
    expect(closed.stdout).toContain(`0 events added, ${ALL_EVENTS.length} updated`);
    expect(installedHooks(read(userFile())).every((h) => h.command.endsWith(' hook --policy fail-closed'))).toBe(true);
    const off = await aevHooks(['uninstall', '--agent', 'claude-code', '--scope', 'user']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain(`removed Agent Evidence hooks from ${ALL_EVENTS.length} events`);
    expect(fs.readFileSync(userFile(), 'utf8')).toBe(USER_SETTINGS);
  });

  it('prints a diff and writes nothing on --dry-run', async () => {
    const r = await aevHooks([
      'install',
      '--agent',
      'claude-code',
      '--scope',
      'project',
      '--dry-run',
      '--command',
      'npx aev',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^--- \/dev\/null\n\+\+\+ .*\.claude\/settings\.json\n@@ -0,0 \+1,\d+ @@\n\+\{/);
    expect(r.stdout).toContain('+            "command": "npx aev hook",');
    expect(r.stdout).toContain('dry run');
    expect(fs.existsSync(path.join(project, '.claude'))).toBe(false);
  });

  it('refuses a settings file that is not JSON, naming file and line, and leaves it untouched', async () => {
    fs.mkdirSync(path.dirname(userFile()));
    const broken = '{\n  "model": "opus",\n  "hooks": {,\n}\n';
    fs.writeFileSync(userFile(), broken);
    const r = await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(userFile());
    expect(r.stderr).toContain('line 3, column 13');
    expect(r.stderr).toContain('[E_SETTINGS_PARSE]');
    expect(fs.readFileSync(userFile(), 'utf8')).toBe(broken);
    expect(backups(path.dirname(userFile()))).toEqual([]);
  });

  it('writes the project and local scopes under the current folder', async () => {
    expect((await aevHooks(['install', '--agent', 'claude-code', '--scope', 'project', '--events', 'core'])).code).toBe(
      0,
    );
    expect(
      (await aevHooks(['install', '--agent', 'claude-code', '--scope', 'local', '--policy', 'fail-closed'])).code,
    ).toBe(0);
    expect(installedHooks(read(path.join(project, '.claude', 'settings.json')))).toHaveLength(9);
    const local = path.join(project, '.claude', 'settings.local.json');
    expect(installedHooks(read(local))[0]?.command).toMatch(/bin\/aev\.js' hook --policy fail-closed$/);
    expect(fs.statSync(local).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(userFile())).toBe(false);
  });

  it('follows CLAUDE_CONFIG_DIR for the user scope', async () => {
    const configDir = path.join(tmp.dir, 'claude-config');
    const r = await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user'], {
      CLAUDE_CONFIG_DIR: configDir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(installedHooks(read(path.join(configDir, 'settings.json'))).length).toBe(ALL_EVENTS.length);
    expect(fs.existsSync(userFile())).toBe(false);
  });

  it('installs a command that sh can run: with no recorder, fail-closed denies a PreToolUse, fail-open stays silent', async () => {
    const sample = loadClaudeCodeFixtures().find((f) => f.name === 'PreToolUse.Bash');
    const runInstalled = (): string => {
      const command = installedHooks(read(userFile())).find((h) => h.event === 'PreToolUse')?.command ?? '';
      return execFileSync('sh', ['-c', command], {
        input: JSON.stringify(sample?.payload),
        encoding: 'utf8',
        // The launcher's shebang finds node on PATH; put this Node (>= 22.18) first. No recorder runs here.
        env: {
          PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
          AEV_HOME: path.join(tmp.dir, 'data'),
          AEV_FROM_SOURCE: '1',
        },
      });
    };
    await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user', '--policy', 'fail-closed']);
    const denied = JSON.parse(runInstalled()) as { hookSpecificOutput: Record<string, string> };
    expect(denied.hookSpecificOutput.hookEventName).toBe('PreToolUse');
    expect(denied.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(denied.hookSpecificOutput.permissionDecisionReason).toMatch(/Agent Evidence cannot record this tool call/);
    await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user']);
    expect(runInstalled()).toBe('');
  });

  it.each([
    [['install', '--scope', 'user'], /--agent claude-code is required/],
    [['install', '--agent', 'codex', '--scope', 'user'], /--agent claude-code is required/],
    [['install', '--agent', 'claude-code'], /--scope must be one of user, project, local/],
    [['install', '--agent', 'claude-code', '--scope', 'global'], /--scope must be one of/],
    [['install', '--agent', 'claude-code', '--scope', 'user', '--policy', 'strict'], /use fail-open or fail-closed/],
    [['install', '--agent', 'claude-code', '--scope', 'user', '--bogus'], /Unknown option '--bogus'/],
    [['reinstall', '--agent', 'claude-code', '--scope', 'user'], /aev hooks install/],
    [['uninstall', '--agent', 'claude-code', '--scope', 'user', '--policy', 'fail-closed'], /uninstall takes only/],
  ])('answers %j with a usage error (exit 2) and changes nothing', async (args, message) => {
    const r = await aevHooks(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage:');
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe('aev hooks uninstall', () => {
  it('says there is nothing to remove when no file or no hook of ours exists, and creates nothing', async () => {
    const none = await aevHooks(['uninstall', '--agent', 'claude-code', '--scope', 'user']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('nothing to remove');
    expect(fs.existsSync(userFile())).toBe(false);
  });

  it('shows what it would remove on --dry-run', async () => {
    await aevHooks(['install', '--agent', 'claude-code', '--scope', 'user', '--events', 'PreToolUse']);
    const before = fs.readFileSync(userFile(), 'utf8');
    const r = await aevHooks(['uninstall', '--agent', 'claude-code', '--scope', 'user', '--dry-run']);
    expect(r.stdout).toMatch(/^-\s+"command": ".*aev\.js' hook",$/m);
    expect(fs.readFileSync(userFile(), 'utf8')).toBe(before);
  });
});
