import path from 'node:path';
import type { FuzzReport } from './fuzz-run.ts';

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function table(title: string, rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [`${title}: none`];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return [
    `${title}:`,
    ...rows.map(
      (r) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`,
    ),
  ];
}

function byCount(rec: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(rec).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function mib(kib: number | undefined): string {
  return kib === undefined ? '?' : `${(kib / 1024).toFixed(1)} MiB`;
}

/** The human summary of a fuzz run, one line per figure. */
export function formatReport(r: FuzzReport): string {
  const out: string[] = [];
  const mode = r.mode === 'dist' ? 'compiled dist/ (npm run build)' : 'TypeScript sources (AEV_FROM_SOURCE=1)';
  out.push(
    `aev endpoint fuzz: seed ${r.seed}, ${n(r.framesSent)} frames sent (target ${n(r.framesTarget)}), daemon from ${mode}`,
  );
  if (r.skipped.length > 0) out.push(`skipped on request: ${r.skipped.join(', ')}`);
  out.push(
    ...table(
      'frames sent per category (connections, lane time)',
      byCount(r.frames).map(([k, v]) => [
        k,
        n(v),
        `(${n(r.connections[k] ?? 0)},`,
        `${((r.ms[k] ?? 0) / 1000).toFixed(1)} s)`,
      ]),
    ),
  );
  out.push(
    ...table(
      'mutations applied',
      byCount(r.mutations).map(([k, v]) => [k, n(v)]),
    ),
  );
  out.push(
    ...table(
      'socket answers by type',
      byCount(r.answers).map(([k, v]) => [k, n(v)]),
    ),
  );
  out.push(
    ...table(
      'errors by code',
      byCount(r.errorCodes).map(([k, v]) => [k, n(v)]),
    ),
  );
  out.push(
    ...table(
      'HTTP statuses',
      byCount(r.httpStatus).map(([k, v]) => [k, n(v)]),
    ),
  );
  out.push(
    ...table(
      'connection outcomes',
      byCount(r.outcomes).map(([k, v]) => [k, n(v)]),
    ),
  );
  const s = r.steady.socket;
  const h = r.steady.http;
  out.push('well-behaved clients:');
  if (s !== null) out.push(`  socket  ${n(s.acked)}/${n(s.sent)} acknowledged, errors ${JSON.stringify(s.errors)}`);
  if (h !== null) out.push(`  HTTP    ${n(h.acked)}/${n(h.sent)} answered 200, errors ${JSON.stringify(h.errors)}`);
  const b = r.memory.before;
  const a = r.memory.after;
  const late = r.memory.beforeStop;
  out.push(
    `daemon RSS: before ${mib(b?.rssKiB)}, after the fuzzing ${mib(a?.rssKiB)}, after the checks ${mib(late?.rssKiB)}, peak ${mib(late?.peakKiB ?? a?.peakKiB)}`,
  );
  out.push(`daemon open file descriptors: before ${String(r.fds.before ?? '?')}, after ${String(r.fds.after ?? '?')}`);
  out.push(`daemon log lines: ${JSON.stringify(r.daemonLog.levels)}`);
  out.push(
    `wall time ${(r.wallMs / 1000).toFixed(1)} s (fuzzing ${(r.fuzzMs / 1000).toFixed(1)} s, ${n(Math.round(r.framesSent / (r.fuzzMs / 1000)))} frames/s)`,
  );
  if (r.anomalyCount > 0) {
    out.push(`anomalies: ${n(r.anomalyCount)} (first ${r.anomalies.length})`);
    for (const x of r.anomalies.slice(0, 15)) out.push(`  ${x.kind} at ${x.where}: ${x.detail}`);
    if (r.artifacts.length > 0) out.push(`  bytes sent on those connections: ${path.dirname(r.artifacts[0] ?? '')}/`);
  }
  if (r.checks.some((c) => !c.ok && c.name === 'daemon still up')) {
    out.push('daemon stderr (last lines):');
    for (const l of r.daemonLog.tail.slice(-25)) out.push(`  | ${l}`);
  }
  if (r.dataRoot !== null) out.push(`data root kept: ${r.dataRoot}`);
  out.push('checks:');
  for (const c of r.checks) out.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  out.push(r.ok ? 'RESULT: all checks passed' : 'RESULT: FAILED');
  return out.join('\n');
}
