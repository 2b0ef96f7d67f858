import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../../electron/engine/hooks/line-diff.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const tmp = makeTempDir();
afterAll(() => {
  tmp.cleanup();
});

/** Applies the diff with GNU patch to `before` and returns the result. */
function applyWithPatch(before: string, diff: string, name: string): string {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, before);
  execFileSync('patch', ['--quiet', '--force', file], { input: diff });
  return fs.readFileSync(file, 'utf8');
}

const lines = (n: number, tag = 'line'): string => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join('');

describe('unifiedDiff', () => {
  it('is empty when nothing changes', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'x')).toBe('');
  });

  it.each([
    ['an insertion in the middle', lines(20), lines(20).replace('line 10\n', 'line 10\nnew A\nnew B\n')],
    ['a deletion at the start', lines(12), lines(12).replace('line 1\n', '')],
    ['an append at the end', lines(8), `${lines(8)}tail 1\ntail 2\n`],
    ['two edits far apart', lines(40), lines(40).replace('line 3\n', 'LINE 3\n').replace('line 35\n', 'LINE 35\n')],
    ['two edits close together', lines(40), lines(40).replace('line 10\n', 'X\n').replace('line 14\n', 'Y\n')],
    ['a rewrite of everything', lines(5), lines(7, 'other')],
  ])('produces a diff GNU patch applies exactly: %s', (_, before, after) => {
    const diff = unifiedDiff(before, after, 'settings.json', 'settings.json');
    expect(diff.startsWith('--- settings.json\n+++ settings.json\n@@ ')).toBe(true);
    expect(applyWithPatch(before, diff, `t-${Math.random().toString(36).slice(2)}`)).toBe(after);
  });

  it('keeps three lines of context and merges changes that are close', () => {
    const diff = unifiedDiff(lines(40), lines(40).replace('line 10\n', 'X\n').replace('line 14\n', 'Y\n'), 'a', 'b');
    expect(diff.match(/^@@/gm)).toHaveLength(1);
    expect(diff).toContain('@@ -7,11 +7,11 @@');
    const far = unifiedDiff(lines(40), lines(40).replace('line 3\n', 'X\n').replace('line 35\n', 'Y\n'), 'a', 'b');
    expect(far.match(/^@@/gm)).toHaveLength(2);
  });

  it('shows a new file against /dev/null', () => {
    expect(unifiedDiff('', '{\n}\n', '/dev/null', 'settings.json')).toBe(
      '--- /dev/null\n+++ settings.json\n@@ -0,0 +1,2 @@\n+{\n+}\n',
    );
  });
});
