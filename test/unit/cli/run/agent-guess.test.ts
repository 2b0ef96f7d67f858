import { describe, expect, it } from 'vitest';
import { guessAgent } from '../../../../electron/cli/run/agent-guess.ts';

describe('guessAgent', () => {
  it.each([
    ['claude', 'claude-code'],
    ['/usr/local/bin/claude', 'claude-code'],
    ['codex', 'codex'],
    ['C:\\Users\\me\\AppData\\Roaming\\npm\\codex.cmd', 'codex'],
    ['gemini', 'gemini'],
    ['GEMINI.EXE', 'gemini'],
    ['cursor-agent', 'cursor'],
    ['~/.local/bin/cursor-agent', 'cursor'],
  ] as const)('knows %s as %s', (command, agent) => {
    expect(guessAgent(command)).toBe(agent);
  });

  it.each(['bash', 'node', 'claude-code-wrapper', 'cursor', 'aider', './claude.sh', 'toString', '__proto__'])(
    'calls %s generic',
    (command) => {
      expect(guessAgent(command)).toBe('generic');
    },
  );
});
