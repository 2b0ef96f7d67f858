import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_IDS } from '../../../../electron/engine/redact/builtin-patterns.ts';
import {
  createRedactor,
  DEFAULT_REDACTION,
  MAX_CUSTOM_PATTERNS,
  redactionConfigFrom,
} from '../../../../electron/engine/redact/redaction-config.ts';
import type { RedactionConfig } from '../../../../electron/engine/redact/redaction-config.ts';
import { RedactionTally } from '../../../../electron/engine/redact/redaction-tally.ts';
import type { Redactor } from '../../../../electron/engine/redact/redactor.ts';
import { readSettings } from '../../../../electron/engine/runtime/settings-file.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { isAevError } from '../../../../electron/common/errors.ts';
import { SAMPLES as S } from './secret-samples.ts';

function expectConfigError(run: () => unknown, message: RegExp): void {
  let thrown: unknown = null;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isAevError(thrown) ? thrown.code : thrown).toBe('E_CONFIG');
  expect((thrown as Error).message).toMatch(message);
}

function text(r: Redactor, input: string): string {
  return r.redactText(input, new RedactionTally());
}

describe('redaction configuration', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir();
    file = path.join(tmp.dir, 'settings.json');
  });
  afterEach(() => {
    tmp.cleanup();
  });

  function settingsError(redaction: unknown): string {
    fs.writeFileSync(file, JSON.stringify({ redaction }));
    try {
      readSettings(file);
    } catch (error) {
      expect(isAevError(error) ? error.code : error).toBe('E_CONFIG');
      return (error as Error).message;
    }
    throw new Error('settings were accepted');
  }

  it('is on by default with every built-in pattern, and off means no redactor at all', () => {
    expect(createRedactor(DEFAULT_REDACTION)?.ids).toEqual(BUILTIN_IDS);
    expect(createRedactor({ ...DEFAULT_REDACTION, enabled: false })).toBeNull();
  });

  it('applies custom patterns from settings.json first, with their replacement, and not disabled built-ins', () => {
    fs.writeFileSync(
      file,
      JSON.stringify({
        redaction: {
          disable: ['jwt', 'mysql-password'],
          patterns: [
            { id: 'acme-key', regex: 'ACME-[0-9A-F]{16}[0-9A-F]{16}' },
            { id: 'employee', regex: 'EMP(?<secret>[0-9]+)', replacement: '#' },
            { id: 'ticket', regex: '^TICKET [0-9]+$', flags: 'm' },
          ],
        },
      }),
    );
    const settings = readSettings(file);
    const r = createRedactor(redactionConfigFrom(settings.redaction, undefined)) as Redactor;
    expect(r.ids.slice(0, 3)).toEqual(['acme-key', 'employee', 'ticket']);
    expect(r.ids).not.toContain('jwt');
    expect(text(r, `use ACME-${'0123456789ABCDEF'.repeat(2)} now`)).toBe('use [REDACTED:acme-key] now');
    expect(text(r, 'badge EMP123, EMP456')).toBe('badge EMP#, EMP#');
    expect(text(r, 'a\nTICKET 42\nb')).toBe('a\n[REDACTED:ticket]\nb');
    expect(text(r, S.jwt)).toBe(S.jwt);
    expect(text(r, 'mysql -u root -pS3cret db')).toBe('mysql -u root -pS3cret db');
    // A custom pattern can match strings shorter than any built-in would.
    expect(text(r, 'EMP1')).toBe('EMP#');
  });

  it.each([
    [
      { patterns: [{ id: 'bad', regex: '(' }] },
      /redaction\.patterns\.0\.regex: pattern "bad": invalid regular expression/,
    ],
    [
      { patterns: [{ id: 'backref', regex: '(a)\\1' }] },
      /redaction\.patterns\.0\.regex: pattern "backref": cannot run in linear time/,
    ],
    [{ patterns: [{ id: 'long-count', regex: '[0-9]{32}' }] }, /pattern "long-count": cannot run in linear time/],
    [{ patterns: [{ id: 'look', regex: '(?<=x)y' }] }, /pattern "look": cannot run in linear time/],
    [{ patterns: [{ id: 'i', regex: 'x', flags: 'i' }] }, /flags may only be "m" and "s"/],
    [{ patterns: [{ id: 'empty', regex: 'x*' }] }, /pattern "empty" matches empty text/],
    [{ patterns: [{ id: 'jwt', regex: 'x' }] }, /pattern "jwt": a built-in pattern has that id/],
    [
      {
        patterns: [
          { id: 'twice', regex: 'x' },
          { id: 'twice', regex: 'y' },
        ],
      },
      /redaction\.patterns\.1\.id: pattern "twice" is defined twice/,
    ],
    [{ patterns: [{ id: 'Upper Case', regex: 'x' }] }, /redaction\.patterns\.0\.id: an id is 1-63 lower-case/],
    [{ patterns: [{ id: 'big', regex: 'x'.repeat(1025) }] }, /redaction\.patterns\.0\.regex/],
    [{ patterns: [{ id: 'r', regex: 'x', replacement: 'a\nb' }] }, /control characters/],
    [{ disable: ['no-such-pattern'] }, /redaction\.disable\.0: no built-in pattern "no-such-pattern"/],
    [{ enabled: 'yes' }, /redaction\.enabled/],
    [{ unknown: true }, /redaction/],
  ])('refuses %j with E_CONFIG naming what is wrong', (redaction, message) => {
    expect(settingsError(redaction)).toMatch(message);
  });

  it('caps the number of custom patterns', () => {
    const patterns = Array.from({ length: MAX_CUSTOM_PATTERNS + 1 }, (_, i) => ({ id: `p${String(i)}`, regex: 'x' }));
    expect(settingsError({ patterns })).toMatch(/redaction\.patterns/);
  });

  it('gives the same coded error when the engine is handed a bad configuration directly', () => {
    const config: RedactionConfig = { ...DEFAULT_REDACTION, patterns: [{ id: 'bad', regex: '(a)\\1' }] };
    expectConfigError(() => createRedactor(config), /redaction\.patterns\.0\.regex: pattern "bad"/);
  });

  it('lets AEV_REDACTION=off|on override settings.json and refuses anything else', () => {
    expect(redactionConfigFrom({ enabled: true }, 'off').enabled).toBe(false);
    expect(redactionConfigFrom({ enabled: false }, 'on').enabled).toBe(true);
    expect(redactionConfigFrom({ enabled: false }, undefined).enabled).toBe(false);
    expect(redactionConfigFrom(undefined, undefined)).toEqual(DEFAULT_REDACTION);
    expectConfigError(() => redactionConfigFrom(undefined, 'no'), /AEV_REDACTION must be "on" or "off"/);
  });
});
