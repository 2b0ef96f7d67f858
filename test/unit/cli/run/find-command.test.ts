import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCommand } from '../../../../electron/cli/run/find-command.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

describe.skipIf(process.platform === 'win32')('findCommand', () => {
  const tmp = makeTempDir();
  const bin = path.join(tmp.dir, 'bin');
  const other = path.join(tmp.dir, 'other');
  fs.mkdirSync(bin);
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(bin, 'agent'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'notes.txt'), 'text\n', { mode: 0o644 });
  fs.writeFileSync(path.join(other, 'notes.txt'), '#!/bin/sh\n', { mode: 0o755 });
  fs.mkdirSync(path.join(bin, 'folder'));
  afterAll(() => {
    tmp.cleanup();
  });

  it('finds an executable along PATH', () => {
    expect(findCommand('agent', { PATH: `/nonexistent:${bin}` }, '/')).toEqual({ found: true });
  });

  it('skips a non-executable file for an executable one later on PATH, as execvp does', () => {
    expect(findCommand('notes.txt', { PATH: `${bin}:${other}` }, '/')).toEqual({ found: true });
  });

  it('reads a name with a slash as a path from the working folder', () => {
    expect(findCommand('bin/agent', { PATH: '' }, tmp.dir)).toEqual({ found: true });
    expect(findCommand('./agent', { PATH: bin }, tmp.dir)).toMatchObject({ found: false, status: 127 });
  });

  it('treats an empty PATH entry as the working folder', () => {
    expect(findCommand('agent', { PATH: `/nonexistent:` }, bin)).toEqual({ found: true });
  });

  it('answers 127 for a name that is nowhere', () => {
    expect(findCommand('no-such-agent-xyz', { PATH: bin }, '/')).toEqual({
      found: false,
      status: 127,
      reason: 'command not found',
    });
  });

  it('answers 126 for a file that is not executable or a folder, as a shell does', () => {
    expect(findCommand('notes.txt', { PATH: bin }, '/')).toMatchObject({ found: false, status: 126 });
    expect(findCommand('folder', { PATH: bin }, '/')).toMatchObject({ found: false, status: 126 });
    expect(findCommand(path.join(bin, 'notes.txt'), {}, '/')).toMatchObject({ found: false, status: 126 });
  });

  it('leaves Windows to the PTY layer', () => {
    expect(findCommand('anything', {}, '/', 'win32')).toEqual({ found: true });
  });
});
