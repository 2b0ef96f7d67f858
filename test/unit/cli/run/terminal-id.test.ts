import { describe, expect, it } from 'vitest';
import { newTerminalId } from '../../../../electron/cli/run/terminal-id.ts';
import { terminalIdSchema } from '../../../../electron/common/protocol/frames.ts';

describe('newTerminalId', () => {
  it('is t_ and 20 base32 characters, valid for the protocol, and different every time', () => {
    const ids = Array.from({ length: 1000 }, () => newTerminalId());
    for (const id of ids) {
      expect(id).toMatch(/^t_[a-z2-7]{20}$/);
      expect(terminalIdSchema.safeParse(id).success).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Every base32 digit turns up: the digits are not stuck to part of the alphabet.
    expect(new Set(ids.join('').replaceAll('t_', '')).size).toBe(32);
  });
});
