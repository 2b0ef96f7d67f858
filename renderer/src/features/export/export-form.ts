import type { ExportRequest } from '../../../../electron/common/ipc/app-api.ts';

/** What the export dialog's fields hold, as typed. */
export interface ExportForm {
  readonly mode: 'tool' | 'time';
  readonly fromTool: string;
  readonly toTool: string;
  readonly from: string;
  readonly to: string;
  /** One age recipient per line; blank lines and # comments ignored (age -R file format). */
  readonly recipients: string;
  readonly plain: boolean;
  readonly withhold: readonly string[];
  readonly out: string;
}

/** The request, or the first thing to fix (said in words, before anything is sent). */
export function exportRequest(sessionId: string, f: ExportForm): { request: ExportRequest } | { problem: string } {
  const recipients = f.recipients
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (!f.plain && recipients.length === 0)
    return { problem: 'Add at least one recipient (age1…), or choose to write the bundle unencrypted.' };
  const bad = recipients.find((r) => !/^age1[0-9a-z]{58}$/.test(r));
  if (!f.plain && bad !== undefined) return { problem: `Not an age recipient: ${bad}` };
  if (f.out.trim() === '') return { problem: 'Choose where to write the bundle.' };
  let range: ExportRequest['range'];
  if (f.mode === 'tool') {
    if (f.fromTool === '' || f.toTool === '') return { problem: 'Choose the first and the last tool call.' };
    range = { kind: 'tool', fromTool: f.fromTool, toTool: f.toTool };
  } else {
    const from = Date.parse(f.from);
    const to = Date.parse(f.to);
    if (Number.isNaN(from) || Number.isNaN(to)) return { problem: 'Times must look like 2026-01-31T12:00:00Z.' };
    if (!(to > from)) return { problem: 'The range must end after it starts.' };
    range = { kind: 'time', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  return {
    request: {
      sessionId,
      range,
      recipients: f.plain ? [] : recipients,
      plain: f.plain,
      withhold: [...f.withhold],
      out: f.out.trim(),
    },
  };
}

/** A bundle name that sorts by time and says whether it is encrypted (docs/bundle-format.md). */
export function bundleName(sessionId: string, plain: boolean, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `aev-${sessionId}-${stamp}.aevb.tar${plain ? '' : '.age'}`;
}
