import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../../../electron/cli/run/run-args.ts';
import { AevError } from '../../../../electron/common/errors.ts';

function usageErrorOf(argv: string[]): string {
  try {
    parseRunArgs(argv);
  } catch (error) {
    if (error instanceof AevError && error.code === 'E_USAGE') return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

describe('parseRunArgs', () => {
  it('takes everything after -- as the command, its own options included', () => {
    expect(parseRunArgs(['--', 'claude', '--resume', '-p', '--', 'x'])).toEqual({
      kind: 'run',
      recordInput: false,
      record: true,
      command: 'claude',
      args: ['--resume', '-p', '--', 'x'],
    });
  });

  it('reads its own options before the command', () => {
    expect(parseRunArgs(['--record-input', '--', 'sh', '-c', 'echo hi'])).toMatchObject({
      recordInput: true,
      record: true,
      command: 'sh',
      args: ['-c', 'echo hi'],
    });
    expect(parseRunArgs(['--no-record', '--', 'codex'])).toMatchObject({ record: false, command: 'codex' });
  });

  it('starts the command at the first word that is not an option, as env and nohup do', () => {
    expect(parseRunArgs(['gemini', '--record-input'])).toMatchObject({
      recordInput: false,
      command: 'gemini',
      args: ['--record-input'],
    });
  });

  it('answers --help', () => {
    expect(parseRunArgs(['--help', '--', 'x'])).toEqual({ kind: 'help' });
    expect(parseRunArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], 'no command to run'],
    [['--'], 'no command to run'],
    [['--record-input'], 'no command to run'],
    [['--', ''], 'the command is an empty string'],
    [['--verbose', '--', 'claude'], 'unknown option "--verbose"'],
    [['-x', 'claude'], 'unknown option "-x"'],
    [['--record-input', '--no-record', '--', 'claude'], 'contradict'],
  ])('refuses %j with a usage error that says why and how', (argv, why) => {
    const message = usageErrorOf(argv);
    expect(message).toContain(why);
    expect(message).toContain('usage: aev run');
  });
});
