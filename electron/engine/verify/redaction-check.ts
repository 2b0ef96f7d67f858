import type { ChainRecordBody, RedactionStatement } from '../../common/model/chain.ts';
import { describeRedaction } from '../redact/redaction-statement.ts';
import type { ReportBuilder } from './report-builder.ts';

/** The sessions whose content redaction applies to; screen pixels and the access log never are. */
const REDACTED_KINDS: ReadonlySet<string> = new Set(['agent', 'terminal']);

/** docs/redaction.md "Limits": in an `aev run` terminal only the header is redacted, never the output. */
const TERMINAL_SCOPE = ' (the command line and title; terminal output is never redacted)';

interface Run {
  firstSeq: number;
  lastSeq: number;
  readonly statement: RedactionStatement | null;
}

/**
 * Says, per session, which redaction was in force (docs/redaction.md "On the chain"), from the window
 * records' sealed `redaction`: one REDACTION item (a pass: a fact, not a verdict) per run of records
 * under the same configuration. So "nothing redacted" can be told from "redaction was off", and records
 * sealed before the engine stated it read as unknown rather than as either. Used by `aev verify` on the
 * store and on bundles (which carry the records as they are).
 */
export function reportRedaction(
  at: string,
  sessionKind: string | null,
  bodies: Iterable<ChainRecordBody>,
  report: ReportBuilder,
): void {
  if (sessionKind !== null && !REDACTED_KINDS.has(sessionKind)) return;
  const runs: Run[] = [];
  for (const body of [...bodies].sort((a, b) => a.seq - b.seq)) {
    if (body.kind !== 'window') continue;
    const statement = body.redaction ?? null;
    const last = runs.at(-1);
    if (last !== undefined && sameStatement(last.statement, statement)) last.lastSeq = body.seq;
    else runs.push({ firstSeq: body.seq, lastSeq: body.seq, statement });
  }
  for (const run of runs) {
    const records = run.firstSeq === run.lastSeq ? `record ${run.firstSeq}` : `records ${run.firstSeq}..${run.lastSeq}`;
    const item = runs.length === 1 ? `${at} redaction` : `${at} redaction (${records})`;
    report.add(
      item,
      'pass',
      'REDACTION',
      run.statement === null
        ? `unknown: ${records} sealed before the engine put its redaction setting on record`
        : `${describeRedaction(run.statement)}${run.statement.enabled && sessionKind === 'terminal' ? TERMINAL_SCOPE : ''} (${records})`,
    );
  }
}

function sameStatement(a: RedactionStatement | null, b: RedactionStatement | null): boolean {
  return a === null || b === null ? a === b : statementKey(a) === statementKey(b);
}

function statementKey(s: RedactionStatement): string {
  return JSON.stringify([s.enabled, s.builtin, s.disabled, s.custom, s.sha256]);
}
