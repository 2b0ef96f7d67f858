import fs from 'node:fs';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import { unifiedDiff } from './line-diff.ts';
import type { MergeResult } from './merge-hooks.ts';
import {
  detectStyle,
  formatSettings,
  parseSettings,
  readSettingsFile,
  writeAtomically,
  writeBackup,
} from './settings-file.ts';

export interface EditOptions {
  readonly dryRun: boolean;
  readonly now: Date;
  /** Mode of a settings file we create (an existing file keeps its own). */
  readonly newFileMode: number;
  /** Mode of a settings folder we create. */
  readonly newDirMode: number;
}

export interface EditOutcome {
  readonly file: string;
  readonly existed: boolean;
  readonly changed: boolean;
  readonly written: boolean;
  readonly backup: string | undefined;
  /** Unified diff of the change ('' when nothing changes). */
  readonly diff: string;
  readonly result: MergeResult;
}

/**
 * Reads a settings file, applies a pure edit and, unless this is a dry run or nothing changed, keeps a
 * backup of the old bytes and replaces the file atomically. A file whose meaning does not change is
 * never rewritten (not even to reformat it). Invalid JSON stops everything before any write.
 */
export function editSettings(
  file: string,
  edit: (settings: Record<string, unknown>) => MergeResult,
  options: EditOptions,
): EditOutcome {
  const current = readSettingsFile(file);
  const { settings, original } =
    current.text === undefined ? { settings: {}, original: undefined } : parseSettings(current.text, file);
  let result: MergeResult;
  try {
    result = edit(settings);
  } catch (error) {
    if (error instanceof AevError)
      throw new AevError(error.code, `${file}: ${error.message}`, { file, ...error.context });
    throw error;
  }
  const changed = JSON.stringify(result.settings) !== JSON.stringify(settings);
  const next = changed ? formatSettings(result.settings, detectStyle(current.text), original) : (current.text ?? '');
  const diff = changed
    ? unifiedDiff(current.text ?? '', next, current.text === undefined ? '/dev/null' : file, file)
    : '';
  const outcome = {
    file,
    existed: current.text !== undefined,
    changed,
    written: false,
    backup: undefined,
    diff,
    result,
  };
  if (!changed || options.dryRun) return outcome;

  const mode = current.mode ?? options.newFileMode;
  try {
    fs.mkdirSync(path.dirname(current.realPath), { recursive: true, mode: options.newDirMode });
    const backup =
      current.text === undefined ? undefined : writeBackup(current.realPath, current.text, mode, options.now);
    writeAtomically(current.realPath, next, mode, current.text);
    return { ...outcome, written: true, backup };
  } catch (error) {
    if (error instanceof AevError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AevError(
      code === 'EACCES' || code === 'EPERM' ? 'E_PERMISSIONS' : 'E_IO',
      `cannot write ${file}: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
}
