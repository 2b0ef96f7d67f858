import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { AevError } from '../../common/errors.ts';
import type { ExportResult } from '../export/export-bundle.ts';
import { recipientFingerprint } from './access-entry.ts';
import type { AccessEntry, ExportEntry } from './access-entry.ts';
import { appendAccessLog } from './append-access.ts';
import type { AccessStore, AppendedAccess } from './append-access.ts';

export interface RecordedExport {
  /** SHA-256 (hex) of the bundle file as written: what `sha256sum` prints for it. */
  readonly bundleSha256: string;
  readonly access: AppendedAccess;
}

/**
 * Puts a written bundle's export on the access log (DESIGN.md §5), after `before` (the decision on the
 * request it answers) and in the same step. A bundle exists only when its export is on record: if
 * recording fails, the bundle file is removed and the error goes on.
 */
export async function recordExport(
  store: AccessStore,
  result: ExportResult,
  recipients: readonly string[],
  o: { readonly request?: string | null; readonly before?: readonly AccessEntry[] } = {},
): Promise<RecordedExport> {
  try {
    const bundleSha256 = await sha256File(result.out);
    const entry = exportEntry(result, bundleSha256, recipients, o.request ?? null);
    const access = await appendAccessLog(store, [...(o.before ?? []), entry]);
    return { bundleSha256, access };
  } catch (error) {
    fs.rmSync(result.out, { force: true });
    throw error;
  }
}

/** The access log entry for a written bundle (`aev export`, or an approved request when `request` is its nonce). */
export function exportEntry(
  result: ExportResult,
  bundleSha256: string,
  recipients: readonly string[],
  request: string | null,
): ExportEntry {
  const [main] = result.sessions;
  if (main === undefined) throw new AevError('E_INTERNAL', 'an export without sessions');
  return {
    kind: 'export',
    sessionId: main.sessionId,
    range: { from: result.range.from, to: result.range.to },
    sessions: result.sessions.map((s) => s.sessionId),
    recipients: result.encrypted ? recipients.map(recipientFingerprint) : 'plain',
    bundleId: result.bundleId,
    bundleSha256,
    withheld: result.sessions.reduce((n, s) => n + s.withheld, 0),
    request,
  };
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new AevError('E_IO', `cannot read back ${file}`, undefined, { cause });
  }
  return hash.digest('hex');
}
