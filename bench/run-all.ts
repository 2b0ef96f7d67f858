// `npm run bench`: every benchmark, one table, results also as JSON under bench/results/.
import { machineLine, printTable, writeResults } from './bench-table.ts';
import type { BenchRow } from './bench-table.ts';
import { run as capture } from './capture.ts';
import { run as exportVerify } from './export-verify.ts';
import { run as hookStartup } from './hook-startup.ts';
import { run as ingest } from './ingest.ts';
import { run as sealing } from './sealing.ts';

const rows: BenchRow[] = [];
for (const [name, bench] of [
  ['ingest', ingest],
  ['hook-startup', hookStartup],
  ['sealing', sealing],
  ['capture', capture],
  ['export-verify', exportVerify],
] as const) {
  process.stderr.write(`running ${name}…\n`);
  rows.push(...(await bench()));
}
console.log(machineLine());
printTable(rows);
console.log(`results: ${writeResults('all', rows)}`);
