import fs from 'node:fs';
import path from 'node:path';
import type { RedactionStatement } from '../../common/model/chain.ts';
import { writePrivateFile } from '../runtime/private-dir.ts';
import { redactionStatementSchema } from './redaction-statement-schema.ts';

/** In the data root, beside the index: the redaction statement of the engine run that wrote it. */
export const REDACTION_RUN_FILE = 'redaction-in-force.json';

/**
 * The redaction in force during the previous engine run, or null when unknown (first start, a file from
 * before this existed, or an unreadable one). After a crash, what that run received but had not sealed is
 * sealed at the next start: its window records must name the configuration it was taken in under, not
 * the new run's (docs/redaction.md "On the chain"). Unknown leaves the statement out, so verify says so.
 */
export function readPreviousRedaction(dataRoot: string): RedactionStatement | null {
  try {
    const parsed = redactionStatementSchema.safeParse(
      JSON.parse(fs.readFileSync(path.join(dataRoot, REDACTION_RUN_FILE), 'utf8')),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Notes this run's statement before anything is received (tmp, fsync, rename), so a crash later in the
 * run leaves it for the next start. It holds pattern ids and a hash, never pattern sources.
 */
export function writeRunRedaction(dataRoot: string, statement: RedactionStatement): void {
  writePrivateFile(path.join(dataRoot, REDACTION_RUN_FILE), `${JSON.stringify(statement)}\n`);
}
