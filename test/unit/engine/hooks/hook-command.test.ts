import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commandPolicy,
  defaultLauncher,
  hookCommand,
  isAevHookCommand,
  parseHookPolicy,
  shellQuote,
  shellWords,
} from '../../../../electron/engine/hooks/hook-command.ts';
import { REPO_ROOT } from '../../../helpers/daemon-process.ts';

/** What a real POSIX shell makes of a command line: one word per line. */
const shWords = (command: string): string[] =>
  execFileSync('sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);

describe('shellQuote', () => {
  it.each(['/opt/aev/bin/aev.js', "/home/o'brien/agent evidence/bin/aev.js", '/tmp/$HOME/`id`/"x"/a\\b'])(
    'quotes %s so that sh reads it back as one unchanged word',
    (word) => {
      expect(shWords(shellQuote(word))).toEqual([word]);
    },
  );
});

describe('shellWords', () => {
  it.each([
    "'/opt/agent evidence/bin/aev.js' hook --policy fail-closed",
    'node "/x/y z/aev.js" hook',
    'a\\ b \'c\'"d" e',
    '"say \\"hi\\" \\$HOME" plain',
  ])('splits %s the way sh does', (command) => {
    expect(shellWords(command)).toEqual(shWords(command));
  });

  it('gives up on an unterminated quote', () => {
    expect(shellWords("'/opt/aev.js hook")).toBeUndefined();
    expect(shellWords('"/opt/aev.js hook')).toBeUndefined();
  });
});

describe('isAevHookCommand', () => {
  it.each([
    "'/opt/agent evidence/bin/aev.js' hook",
    "'/opt/aev/bin/aev.js' hook --policy fail-closed",
    'aev hook --policy=fail-open --agent claude-code --timeout-ms 2000',
    'npx aev hook',
    'node C:\\\\tools\\\\aev\\\\bin\\\\aev.js hook',
    'AEV_HOME=/data /usr/bin/agent-evidence hook',
    'aev.cmd hook',
  ])('recognises %s as ours', (command) => {
    expect(isAevHookCommand(command)).toBe(true);
  });

  it.each([
    '~/bin/guard.sh',
    'aev hook | tee /tmp/log',
    'aev hook --policy',
    'aev hook extra-argument',
    'my-aev hook',
    'aev hooks install --agent claude-code',
    'aev run -- claude',
    'echo aev hook && true',
    "'/opt/aev.js hook",
  ])('leaves %s to its owner', (command) => {
    expect(isAevHookCommand(command)).toBe(false);
  });
});

describe('hook command and policy', () => {
  it('adds --policy only for fail-closed, and reads the policy back', () => {
    expect(hookCommand("'/a/aev.js'", 'fail-open')).toBe("'/a/aev.js' hook");
    expect(hookCommand("'/a/aev.js'", 'fail-closed')).toBe("'/a/aev.js' hook --policy fail-closed");
    expect(commandPolicy(hookCommand("'/a/aev.js'", 'fail-closed'))).toBe('fail-closed');
    expect(commandPolicy('aev hook --policy=fail-closed')).toBe('fail-closed');
    expect(commandPolicy('aev hook')).toBe('fail-open');
    expect(() => parseHookPolicy('closed')).toThrow(/fail-open or fail-closed/);
  });

  it("defaults to this Node and this checkout's bin/aev.js, quoted, runnable by sh", () => {
    const launcher = defaultLauncher('linux');
    const [node, script] = shWords(launcher);
    expect(node).toBe(process.execPath);
    expect(script).toBe(path.join(REPO_ROOT, 'bin', 'aev.js'));
    expect(isAevHookCommand(hookCommand(launcher, 'fail-open'))).toBe(true);
    expect(defaultLauncher('win32', 'C:\\node\\node.exe')).toMatch(/^"C:\\node\\node.exe" ".*aev\.js"$/);
  });
});
