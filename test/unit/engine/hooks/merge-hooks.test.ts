import { describe, expect, it } from 'vitest';
import { ALL_EVENTS, CORE_EVENTS, selectEvents } from '../../../../electron/engine/hooks/installed-events.ts';
import { installedHooks, installHooks, uninstallHooks } from '../../../../electron/engine/hooks/merge-hooks.ts';
import type { HookPlan } from '../../../../electron/engine/hooks/merge-hooks.ts';
import { takesMatcher } from '../../../../electron/common/protocol/claude-code-hooks.ts';

const LAUNCHER = "'/opt/agent evidence/bin/aev.js'";
const plan = (over: Partial<HookPlan> = {}): HookPlan => ({
  command: `${LAUNCHER} hook`,
  events: ALL_EVENTS,
  timeoutSeconds: 10,
  ...over,
});

/** A settings file as a user might have it: their own hooks on events we also use, and other keys. */
const userSettings = (): Record<string, unknown> => ({
  $schema: 'https://json.schemastore.org/claude-code-settings.json',
  permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '~/bin/guard.sh', timeout: 5 }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
    PostToolUse: [{ matcher: 'Edit|Write', hooks: [{ type: 'command', command: 'npx prettier --write "$FILE"' }] }],
  },
  env: { FOO: 'bar' },
  model: 'opus',
});

type Group = { matcher?: string; hooks: Record<string, unknown>[] };
const groupsOf = (settings: Record<string, unknown>, event: string): Group[] =>
  (settings.hooks as Record<string, Group[] | undefined>)[event] ?? [];

describe('installHooks', () => {
  it('adds one command hook per event to an empty settings file, with "*" only where a matcher counts', () => {
    const r = installHooks({}, plan());
    expect(r.added).toEqual([...ALL_EVENTS]);
    for (const event of ALL_EVENTS) {
      const groups = groupsOf(r.settings, event);
      expect(groups, event).toHaveLength(1);
      expect(groups[0]?.hooks).toEqual([{ type: 'command', command: `${LAUNCHER} hook`, timeout: 10 }]);
      if (takesMatcher(event)) expect(groups[0]?.matcher, event).toBe('*');
      else expect(groups[0], event).not.toHaveProperty('matcher');
    }
  });

  it('never hooks WorktreeCreate (it would replace git worktree creation) or FileChanged', () => {
    const r = installHooks({}, plan());
    expect(Object.keys(r.settings.hooks as object)).not.toContain('WorktreeCreate');
    expect(Object.keys(r.settings.hooks as object)).not.toContain('FileChanged');
  });

  it("keeps the user's hooks on the same events in place and adds ours after them", () => {
    const before = userSettings();
    const r = installHooks(before, plan());
    const pre = groupsOf(r.settings, 'PreToolUse');
    expect(pre[0]).toEqual(groupsOf(before, 'PreToolUse')[0]);
    expect(pre[1]?.hooks[0]?.command).toBe(`${LAUNCHER} hook`);
    expect(groupsOf(r.settings, 'Stop')[0]).toEqual({ hooks: [{ type: 'command', command: 'notify-send done' }] });
    const { hooks: _h, ...rest } = r.settings;
    const { hooks: _b, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(Object.keys(r.settings)).toEqual(Object.keys(before));
  });

  it('does not modify the object it is given', () => {
    const before = userSettings();
    const copy = structuredClone(before);
    installHooks(before, plan());
    expect(before).toEqual(copy);
  });

  it('changes nothing when installed twice', () => {
    const once = installHooks(userSettings(), plan());
    const twice = installHooks(once.settings, plan());
    expect(twice.settings).toEqual(once.settings);
    expect(twice.added).toEqual([]);
    expect(twice.updated).toEqual([]);
    expect(twice.unchanged).toEqual([...ALL_EVENTS]);
  });

  it('replaces our hook in place when the policy changes, leaving one of ours per event', () => {
    const open = installHooks(userSettings(), plan());
    const closed = installHooks(open.settings, plan({ command: `${LAUNCHER} hook --policy fail-closed` }));
    expect(closed.updated).toEqual([...ALL_EVENTS]);
    for (const event of ALL_EVENTS) {
      expect(groupsOf(closed.settings, event).length, event).toBe(groupsOf(open.settings, event).length);
    }
    expect(installedHooks(closed.settings).map((h) => h.command)).toEqual(
      ALL_EVENTS.map(() => `${LAUNCHER} hook --policy fail-closed`),
    );
  });

  it('moves our hook out of a group the user shares with it, without touching their handlers', () => {
    const settings = {
      hooks: {
        PreToolUse: [
          {
            matcher: 'Bash',
            hooks: [
              { type: 'command', command: '~/bin/guard.sh' },
              { type: 'command', command: 'aev hook' },
            ],
          },
        ],
      },
    };
    const r = installHooks(settings, plan({ events: ['PreToolUse'] }));
    expect(groupsOf(r.settings, 'PreToolUse')).toEqual([
      { matcher: 'Bash', hooks: [{ type: 'command', command: '~/bin/guard.sh' }] },
      { matcher: '*', hooks: [{ type: 'command', command: `${LAUNCHER} hook`, timeout: 10 }] },
    ]);
    expect(r.updated).toEqual(['PreToolUse']);
  });

  it('removes ours from events no longer selected (all → core)', () => {
    const all = installHooks(userSettings(), plan());
    const core = installHooks(all.settings, plan({ events: CORE_EVENTS }));
    expect(new Set(installedHooks(core.settings).map((h) => h.event))).toEqual(new Set(CORE_EVENTS));
    expect([...core.removed].sort()).toEqual(ALL_EVENTS.filter((e) => !CORE_EVENTS.includes(e)).sort());
    expect(groupsOf(core.settings, 'Stop')[0]).toEqual({ hooks: [{ type: 'command', command: 'notify-send done' }] });
  });

  it('refuses a hooks section it cannot understand instead of overwriting it', () => {
    expect(() => installHooks({ hooks: ['PreToolUse'] }, plan())).toThrow(/`hooks` is not an object/);
    expect(() => installHooks({ hooks: { PreToolUse: { matcher: '*' } } }, plan())).toThrow(
      /hooks.PreToolUse is not a list/,
    );
  });
});

describe('uninstallHooks', () => {
  it('gives back exactly the settings the user had before install', () => {
    const before = userSettings();
    const installed = installHooks(before, plan({ command: `${LAUNCHER} hook --policy fail-closed` }));
    const removed = uninstallHooks(installed.settings);
    expect(removed.settings).toStrictEqual(before);
    expect(JSON.stringify(removed.settings)).toBe(JSON.stringify(before));
    expect(removed.removed).toHaveLength(ALL_EVENTS.length);
  });

  it('drops the hooks key it emptied, and only that', () => {
    expect(uninstallHooks(installHooks({ model: 'opus' }, plan()).settings).settings).toStrictEqual({ model: 'opus' });
    expect(uninstallHooks({ hooks: {} }).settings).toStrictEqual({ hooks: {} });
    expect(uninstallHooks({ hooks: { Stop: [] } }).settings).toStrictEqual({ hooks: { Stop: [] } });
  });

  it('removes every command that runs `aev hook`, however it is launched, and nothing else', () => {
    const ours = [
      'aev hook',
      'npx aev hook --policy fail-closed',
      "node '/x/bin/aev.js' hook",
      '/usr/local/bin/agent-evidence hook --policy=fail-open',
    ];
    const theirs = [
      'aev hook | tee log',
      'my-aev hook',
      'aev hooks install',
      'echo aev hook && true',
      'aev run -- claude',
    ];
    const settings = {
      hooks: {
        PreToolUse: [{ matcher: '*', hooks: [...ours, ...theirs].map((command) => ({ type: 'command', command })) }],
        Stop: [{ hooks: [{ type: 'http', url: 'http://127.0.0.1:47615/v1/hooks/claude-code' }] }],
      },
    };
    const r = uninstallHooks(settings);
    expect(groupsOf(r.settings, 'PreToolUse')[0]?.hooks.map((h) => h.command)).toEqual(theirs);
    expect(groupsOf(r.settings, 'Stop')).toEqual(settings.hooks.Stop);
  });

  it('leaves malformed sections it does not own alone', () => {
    const settings = { hooks: { PreToolUse: 'oops', Stop: [null, { matcher: '*' }, { hooks: 'x' }] } };
    expect(uninstallHooks(settings).settings).toStrictEqual(settings);
  });
});

describe('selectEvents', () => {
  it('offers every documented event except the ones hooking would change or older versions reject', () => {
    expect(ALL_EVENTS).toContain('PostToolUseFailure');
    expect(ALL_EVENTS).toContain('SubagentStart');
    for (const e of ['WorktreeCreate', 'FileChanged', 'MessageDisplay', 'PreModelSwitch'])
      expect(ALL_EVENTS).not.toContain(e);
    expect(selectEvents('all')).toBe(ALL_EVENTS);
    expect(selectEvents('core')).toBe(CORE_EVENTS);
  });

  it('takes an explicit list in lifecycle order and refuses unknown or harmful names', () => {
    expect(selectEvents('Stop, PreToolUse,PreToolUse')).toEqual(['PreToolUse', 'Stop']);
    expect(() => selectEvents('PreToolUse,Bogus')).toThrow(/unknown Claude Code hook event "Bogus"/);
    expect(() => selectEvents('WorktreeCreate')).toThrow(/replaces git worktree creation/);
    expect(() => selectEvents(' , ')).toThrow(/--events needs/);
  });
});
