import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import { parseJsonSource } from './json-source.ts';
import { printPreserving } from './preserving-format.ts';
import type { JsonOriginal } from './preserving-format.ts';

/** How the file was written, so our rewrite looks like the user's (indent, line ends, BOM, last newline). */
export interface TextStyle {
  readonly indent: string;
  readonly eol: '\n' | '\r\n';
  readonly finalNewline: boolean;
  readonly bom: boolean;
}

export interface SettingsFile {
  /** The path the user sees. */
  readonly file: string;
  /** Where the bytes live: a symlinked settings.json (dotfile managers) is edited in place, link kept. */
  readonly realPath: string;
  /** undefined when the file does not exist yet. */
  readonly text: string | undefined;
  readonly mode: number | undefined;
}

export const DEFAULT_STYLE: TextStyle = { indent: '  ', eol: '\n', finalNewline: true, bom: false };

export function readSettingsFile(file: string): SettingsFile {
  let realPath = file;
  try {
    realPath = fs.realpathSync(file);
  } catch {
    // absent (or a dangling link, which is written through like a missing file)
  }
  try {
    const text = fs.readFileSync(realPath, 'utf8');
    return { file, realPath, text, mode: fs.statSync(realPath).mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file, realPath, text: undefined, mode: undefined };
    throw new AevError('E_IO', `cannot read ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
}

export interface ParsedSettings {
  readonly settings: Record<string, unknown>;
  /** The text as parsed, for printing an edit that keeps untouched parts verbatim (undefined: empty file). */
  readonly original: JsonOriginal | undefined;
}

/** Parses settings text; an empty file is `{}`. Invalid JSON is E_SETTINGS_PARSE with line and column. */
export function parseSettings(text: string, file: string): ParsedSettings {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return { settings: {}, original: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const source = parseJsonSource(body);
    const at = source.ok ? undefined : source.error;
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.column} (${at.reason})`;
    throw new AevError(
      'E_SETTINGS_PARSE',
      `${file} is not valid JSON${where}; fix it (or move it aside) and run this again. Nothing was changed.`,
      { file, line: at?.line, column: at?.column },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AevError('E_SETTINGS_PARSE', `${file} must hold a JSON object at the top level. Nothing was changed.`, {
      file,
    });
  }
  const source = parseJsonSource(body);
  const original = source.ok ? { text: body, value: parsed, node: source.node } : undefined;
  return { settings: parsed as Record<string, unknown>, original };
}

export function detectStyle(text: string | undefined): TextStyle {
  if (text === undefined || text.trim() === '') return DEFAULT_STYLE;
  const indent = /^([ \t]+)["}\]]/m.exec(text)?.[1];
  return {
    indent: indent === undefined ? DEFAULT_STYLE.indent : indent.startsWith('\t') ? '\t' : indent,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    finalNewline: /\n$/.test(text),
    bom: text.startsWith('\uFEFF'),
  };
}

/** The settings as text in the file's own style, untouched parts copied verbatim from `original`. */
export function formatSettings(
  settings: Readonly<Record<string, unknown>>,
  style: TextStyle,
  original?: JsonOriginal,
): string {
  const json = printPreserving(settings, original, style.indent, style.eol);
  return `${style.bom ? '\uFEFF' : ''}${json}${style.finalNewline ? style.eol : ''}`;
}

/**
 * Replaces `target` atomically: a temp file in the same folder, written, fsynced, given `mode`, then
 * renamed over the target, so Claude Code never reads half a file and a crash leaves the old one.
 * `expected` is what we read at the start: if the file changed meanwhile (Claude Code rewrote it),
 * we stop instead of throwing that change away.
 */
export function writeAtomically(target: string, data: string, mode: number, expected: string | undefined): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.aev-${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      fs.writeFileSync(fd, data, 'utf8');
      if (process.platform !== 'win32') fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (currentText(target) !== expected) {
      throw new AevError(
        'E_IO',
        `${target} changed while we were editing it; nothing was written, run the command again`,
        {
          file: target,
        },
      );
    }
    fs.renameSync(tmp, target);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  syncFolder(dir);
}

/** Keeps the original bytes next to the file (settings.json.aev-backup-<ISO time>), with its mode. */
export function writeBackup(realPath: string, text: string, mode: number, now: Date): string {
  const backup = `${realPath}.aev-backup-${now.toISOString().replaceAll(':', '-')}`;
  const fd = fs.openSync(backup, 'wx', mode);
  try {
    fs.writeFileSync(fd, text, 'utf8');
    if (process.platform !== 'win32') fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return backup;
}

function currentText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Makes the rename itself durable (POSIX: fsync the folder). Windows cannot open a folder for this. */
function syncFolder(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
