import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One measured figure, printed beside its target and a baseline measured on the same machine. */
export interface BenchRow {
  readonly name: string;
  readonly figure: number;
  readonly unit: string;
  readonly target: string;
  readonly met: boolean;
  readonly baseline: string;
  /**
   * The baseline as a number in the figure's unit, when the two compare directly (e.g. our MB/s beside
   * sha256sum's MB/s): the table then prints figure ÷ baseline as the ratio column.
   */
  readonly baselineFigure?: number;
  readonly note?: string;
}

/** figure ÷ baseline, or undefined when the row has no comparable baseline figure. */
export function ratioOf(row: BenchRow): number | undefined {
  const b = row.baselineFigure;
  if (b === undefined || !Number.isFinite(b) || b === 0 || !Number.isFinite(row.figure)) return undefined;
  return row.figure / b;
}

export function printTable(rows: readonly BenchRow[]): void {
  const header = ['benchmark', 'figure', 'target', 'met', 'ratio', 'baseline (same machine)'];
  const lines = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.name,
      `${formatNumber(r.figure)} ${r.unit}`,
      r.target,
      r.met ? 'yes' : 'NO',
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      r.baseline,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) if (r.note !== undefined) console.log(`  ${r.name}: ${r.note}`);
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.versions.node}`;
}

export function writeResults(name: string, rows: readonly BenchRow[]): string {
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), machine: machineLine(), rows: rows.map((r) => ({ ...r, ratio: ratioOf(r) ?? null })) }, null, 2)}\n`,
  );
  return file;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** Runs one benchmark as a program: `node bench/<name>.ts` prints its table and writes its JSON. */
export async function runStandalone(name: string, moduleUrl: string, run: () => Promise<BenchRow[]>): Promise<void> {
  if (moduleUrl !== `file://${process.argv[1] ?? ''}`) return;
  const rows = await run();
  console.log(machineLine());
  printTable(rows);
  console.log(`results: ${writeResults(name, rows)}`);
}
