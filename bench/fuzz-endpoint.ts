// Hostile input (issue 7): drives at least 100,000 random and mutated frames at the local endpoint's
// Unix socket and loopback HTTP hook endpoint of a real `aev daemon`, from several connections at once,
// beside well-behaved clients; then checks the daemon is up, nothing acknowledged was lost and the
// store verifies. Exit 0 only when every check passes.
//
//   node bench/fuzz-endpoint.ts [--frames N] [--seed S] [--from-source] [--skip a,b] [--json FILE]
//
// The same seed sends the same frames (each lane draws from its own seeded stream); the engine's
// answers and the session ids read back depend on timing.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { machineLine } from './bench-table.ts';
import { ALL_CATEGORIES, DEFAULT_OPTIONS, runFuzz } from './fuzz/fuzz-run.ts';
import { MUTATIONS } from './fuzz/mutations.ts';
import { formatReport } from './fuzz/report.ts';
import { distLooksStale } from './fuzz/fuzz-daemon.ts';

const USAGE = `usage: node bench/fuzz-endpoint.ts [--frames N] [--seed S] [--from-source] [--lanes N]
         [--settle-ms MS] [--slow-ms MS] [--skip NAME,…] [--keep] [--json FILE]
  --from-source  run the daemon from the TypeScript sources (AEV_FROM_SOURCE=1); default: the compiled
                 CLI in dist/ (run \`npm run build\` first)
  --skip         leave out scenario categories or mutations, e.g. --skip deep-nesting,control-readback
                 categories: ${ALL_CATEGORIES.join(' ')}
                 mutations:  ${MUTATIONS.join(' ')}`;

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!Number.isInteger(x) || x < 0) throw new Error(`--${name} takes a non-negative integer\n${USAGE}`);
  return x;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string' },
      seed: { type: 'string' },
      'from-source': { type: 'boolean' },
      lanes: { type: 'string' },
      'settle-ms': { type: 'string' },
      'slow-ms': { type: 'string' },
      skip: { type: 'string' },
      keep: { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const skip = (values.skip ?? '').split(',').filter((s) => s !== '');
  const unknown = skip.filter((s) => !ALL_CATEGORIES.includes(s) && !(MUTATIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown --skip names: ${unknown.join(', ')}\n${USAGE}`);
  const options = {
    ...DEFAULT_OPTIONS,
    frames: positiveInt(values.frames, DEFAULT_OPTIONS.frames, 'frames'),
    seed: positiveInt(values.seed, DEFAULT_OPTIONS.seed, 'seed'),
    mode: values['from-source'] === true ? ('source' as const) : ('dist' as const),
    socketLanes: Math.max(1, positiveInt(values.lanes, DEFAULT_OPTIONS.socketLanes, 'lanes')),
    settleMs: positiveInt(values['settle-ms'], DEFAULT_OPTIONS.settleMs, 'settle-ms'),
    slowMs: positiveInt(values['slow-ms'], DEFAULT_OPTIONS.slowMs, 'slow-ms'),
    skip,
    keep: values.keep === true,
    progress: (line: string) => process.stderr.write(`${line}\n`),
  };
  process.stderr.write(
    `fuzzing a daemon from ${options.mode === 'dist' ? 'dist/ (compiled)' : 'the TypeScript sources'}: ${options.frames.toLocaleString('en-US')} frames, seed ${options.seed}\n`,
  );
  if (options.mode === 'dist' && distLooksStale())
    process.stderr.write('warning: dist/ is older than electron/: run `npm run build`, or pass --from-source\n');
  const report = await runFuzz(options);
  console.log(machineLine());
  console.log(formatReport(report));
  if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
