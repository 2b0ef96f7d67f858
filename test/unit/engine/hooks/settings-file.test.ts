import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonSource } from '../../../../electron/engine/hooks/json-source.ts';
import type { SourceNode } from '../../../../electron/engine/hooks/json-source.ts';
import {
  detectStyle,
  formatSettings,
  parseSettings,
  readSettingsFile,
  writeAtomically,
  writeBackup,
} from '../../../../electron/engine/hooks/settings-file.ts';
import { AevError } from '../../../../electron/common/errors.ts';
import { loadClaudeCodeFixtures } from '../../../fixtures/claude-code/index.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const tmp = makeTempDir();
afterAll(() => {
  tmp.cleanup();
});

function parseError(text: string): AevError {
  try {
    parseSettings(text, '/home/u/.claude/settings.json');
  } catch (error) {
    if (error instanceof AevError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseSettings', () => {
  it.each([
    ['a missing comma', '{\n  "model": "opus"\n  "env": {}\n}\n', 3, 3, "expected ',' or '}'"],
    ['a trailing comma', '{\n  "a": 1,\n}', 3, 1, 'trailing comma'],
    ['a comment (Claude Code settings are strict JSON)', '{\n  // mine\n  "a": 1\n}', 2, 3, 'expected a property name'],
    ['a value V8 reports without a position', '{"a": }', 1, 7, 'unexpected "}"'],
    ['a file cut short', '{\n  "hooks": {\n    "Stop": [', 3, 14, 'unexpected end of file'],
    ['a raw line break inside a string', '{"a": "x\ny"}', 1, 9, 'control character'],
  ])('reports %s as E_SETTINGS_PARSE naming the file, line and column', (_, text, line, column, reason) => {
    const error = parseError(text);
    expect(error.code).toBe('E_SETTINGS_PARSE');
    expect(error.message).toContain('/home/u/.claude/settings.json');
    expect(error.message).toContain(`line ${line}, column ${column}`);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('Nothing was changed');
  });

  it('refuses a top level that is not an object', () => {
    expect(parseError('[]').message).toMatch(/JSON object at the top level/);
  });

  it('reads an empty file or one holding only a BOM and blanks as {}', () => {
    expect(parseSettings('', 'f').settings).toEqual({});
    expect(parseSettings('\uFEFF \n', 'f').settings).toEqual({});
  });
});

describe('parseJsonSource', () => {
  it('maps every value of every fixture to the source text that parses to it', () => {
    const check = (text: string, node: SourceNode, value: unknown): void => {
      expect(JSON.parse(text.slice(node.start, node.end))).toEqual(value);
      if (node.kind === 'object') {
        for (const [k, n] of node.members) check(text, n, (value as Record<string, unknown>)[k]);
      }
      if (node.kind === 'array') {
        node.items.forEach((n, i) => {
          check(text, n, (value as unknown[])[i]);
        });
      }
    };
    for (const f of loadClaudeCodeFixtures()) {
      const text = JSON.stringify(f.payload, null, 3);
      const source = parseJsonSource(text);
      if (!source.ok) throw new Error(f.name);
      check(text, source.node, f.payload);
    }
  });
});

describe('style and formatting', () => {
  it('detects the indent, line ends, BOM and final newline the user writes', () => {
    expect(detectStyle('{\n    "a": 1\n}\n')).toEqual({ indent: '    ', eol: '\n', finalNewline: true, bom: false });
    expect(detectStyle('\uFEFF{\r\n\t"a": 1\r\n}')).toEqual({
      indent: '\t',
      eol: '\r\n',
      finalNewline: false,
      bom: true,
    });
    expect(detectStyle(undefined)).toEqual({ indent: '  ', eol: '\n', finalNewline: true, bom: false });
  });

  it('copies every untouched part verbatim and lays out only what changed', () => {
    const text =
      '{\n    "permissions": { "allow": ["Bash(npm test:*)"] },\n    "n": 1.50,\n    "hooks": {\n        "Stop": [ { "hooks": [] } ]\n    }\n}\n';
    const { settings, original } = parseSettings(text, 'f');
    const edited = { ...settings, hooks: { ...(settings.hooks as object), PreToolUse: [{ matcher: '*', hooks: [] }] } };
    const out = formatSettings(edited, detectStyle(text), original);
    expect(JSON.parse(out)).toEqual(edited);
    expect(out).toContain('    "permissions": { "allow": ["Bash(npm test:*)"] },\n    "n": 1.50,\n');
    expect(out).toContain(
      '        "Stop": [ { "hooks": [] } ],\n        "PreToolUse": [\n            {\n                "matcher": "*",',
    );
  });

  it('keeps CRLF line ends and the BOM when it rewrites', () => {
    const text = '\uFEFF{\r\n  "a": 1\r\n}\r\n';
    const { settings, original } = parseSettings(text, 'f');
    const out = formatSettings({ ...settings, b: [2] }, detectStyle(text), original);
    expect(out).toBe('\uFEFF{\r\n  "a": 1,\r\n  "b": [\r\n    2\r\n  ]\r\n}\r\n');
  });
});

describe('writing', () => {
  it('replaces a file atomically and keeps its mode', () => {
    const file = path.join(tmp.dir, 'mode.json');
    fs.writeFileSync(file, '{}\n', { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    writeAtomically(file, '{"a":1}\n', 0o640, '{}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('stops, writing nothing, when the file changed since it was read', () => {
    const file = path.join(tmp.dir, 'race.json');
    fs.writeFileSync(file, '{"theirs":true}\n');
    expect(() => {
      writeAtomically(file, '{"ours":true}\n', 0o600, '{}\n');
    }).toThrow(/changed while we were editing/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"theirs":true}\n');
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('follows a symlinked settings file to its target and leaves the link in place', () => {
    const target = path.join(tmp.dir, 'dotfiles-settings.json');
    const link = path.join(tmp.dir, 'linked-settings.json');
    fs.writeFileSync(target, '{}\n');
    fs.symlinkSync(target, link);
    const current = readSettingsFile(link);
    expect(current.realPath).toBe(fs.realpathSync(target));
    writeAtomically(current.realPath, '{"a":1}\n', current.mode ?? 0o600, current.text);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(link, 'utf8')).toBe('{"a":1}\n');
  });

  it('keeps a backup with the original bytes and mode, named with a file-system-safe time', () => {
    const file = path.join(tmp.dir, 'backup.json');
    const backup = writeBackup(file, '{"old":true}\n', 0o600, new Date('2026-01-02T03:04:05.678Z'));
    expect(path.basename(backup)).toBe('backup.json.aev-backup-2026-01-02T03-04-05.678Z');
    expect(fs.readFileSync(backup, 'utf8')).toBe('{"old":true}\n');
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
  });
});
