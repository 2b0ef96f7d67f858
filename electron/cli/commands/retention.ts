import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { controlRequest } from '../../engine/client/control-request.ts';
import type {
  HoldResult,
  PurgeResult,
  RetentionSession,
  RetentionStatus,
} from '../../engine/retention/retention-types.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { isTerminal } from '../prompt-secret.ts';

const USAGE = `usage: aev retention status [--json]
       aev retention apply [--dry-run] [--yes] [--json]
       aev retention hold SESSION --reason TEXT
       aev retention release SESSION`;

// A purge deletes one session's objects one by one (fsync each): a big screen recording takes a while.
const PURGE_TIMEOUT_MS = 30 * 60_000;

/**
 * `aev retention`: the vault's retention period (docs/retention.md). The engine does the work (it owns
 * the vault, the chain and the device key); this asks it over the control socket, one session per
 * request for `apply`, so progress shows and an interruption loses nothing but the session in hand.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const socket = runtimePaths(resolveDataRoot(io.env)).socketPath;
  switch (sub) {
    case 'status':
      return status(rest, io, socket);
    case 'apply':
      return apply(rest, io, socket);
    case 'hold':
      return hold(rest, io, socket);
    case 'release':
      return release(rest, io, socket);
    default:
      throw new AevError('E_USAGE', USAGE);
  }
}

async function status(argv: string[], io: CliIo, socket: string): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const s = (await controlRequest(socket, 'retention.status', {})) as RetentionStatus;
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify(s, null, 2));
    return 0;
  }
  const out = (line: string): void => {
    writeLine(io.stdout, line);
  };
  out(
    `Retention: ${s.days} days after a session ends; ${s.auto ? `applied daily, next run ${s.nextRun ?? 'at the next start'}` : 'applied by hand only (`aev retention apply`)'}`,
  );
  out(`Due now (ended before ${s.cutoff}): ${s.due.length}`);
  for (const d of s.due) out(`  ${describe(d)}`);
  if (s.incomplete.length > 0) {
    out(`Interrupted purges (tombstone on record, content partly deleted): ${s.incomplete.length}`);
    for (const p of s.incomplete) out(`  ${p.id}  purge started ${p.purgedAt}, tombstone record ${p.tombstoneSeq}`);
  }
  out(`On legal hold: ${s.held.length}`);
  for (const h of s.held)
    out(
      `  ${describe(h)}\n      ${h.heldBy === h.id ? `held since ${h.since}: ${h.reason}` : `kept with agent session ${h.heldBy} (held since ${h.since})`}`,
    );
  out(
    `Purged so far: ${s.purged} session(s)${s.lastRun === null ? '' : `; last run ${s.lastRun.at}: ${s.lastRun.purged} purged${s.lastRun.error === null ? '' : `, error: ${s.lastRun.error}`}`}`,
  );
  out(s.nextDue === null ? 'Next due: none' : `Next due: ${s.nextDue.sessionId} on ${s.nextDue.at}`);
  return 0;
}

async function apply(argv: string[], io: CliIo, socket: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'dry-run': { type: 'boolean' }, yes: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
  });
  const s = (await controlRequest(socket, 'retention.status', {})) as RetentionStatus;
  const plan = [...s.incomplete.map((p) => ({ ...p, resume: true })), ...s.due.map((d) => ({ ...d, resume: false }))];
  const json = values.json === true;
  const say = (line: string): void => {
    writeLine(json ? io.stderr : io.stdout, line);
  };
  if (plan.length === 0) {
    say(
      `aev: nothing to purge: no session ended before ${s.cutoff} (${s.days}-day retention), ${s.held.length} on hold`,
    );
    if (json) writeLine(io.stdout, JSON.stringify({ dryRun: values['dry-run'] === true, purged: [] }, null, 2));
    return 0;
  }
  say(
    `aev: ${plan.length} session(s) ended before ${s.cutoff} (${s.days}-day retention)${values['dry-run'] === true ? ' would be' : ' will be'} purged: ` +
      'their content is deleted, their signed records and hashes stay, and a signed tombstone goes on record',
  );
  for (const p of plan) say(`  ${describe(p)}${p.resume ? '  (finishing an interrupted purge)' : ''}`);
  if (s.held.length > 0) say(`  kept: ${s.held.length} session(s) on legal hold`);
  if (values['dry-run'] === true) {
    if (json) writeLine(io.stdout, JSON.stringify({ dryRun: true, purged: [], plan }, null, 2));
    return 0;
  }
  if (values.yes !== true) {
    if (!isTerminal(io)) throw new AevError('E_USAGE', 'refusing to delete evidence without confirmation: pass --yes');
    const answer = await askLine(io, `Purge ${plan.length} session(s)? This cannot be undone. Type "purge" to go on: `);
    if (answer !== 'purge') throw new AevError('E_USAGE', 'cancelled; nothing was purged');
  }
  const results: PurgeResult[] = [];
  for (const [i, p] of plan.entries()) {
    io.stderr.write(`aev: purging ${i + 1}/${plan.length} ${p.id}…\n`);
    try {
      const r = (await controlRequest(socket, 'retention.purge', { id: p.id }, PURGE_TIMEOUT_MS)) as PurgeResult;
      results.push(r);
      io.stderr.write(
        `aev:   tombstone record ${r.tombstoneSeq}: ${r.events} events, ${r.media} media items (${r.objectsDeleted} objects deleted now), ${formatBytes(r.bytes)}\n`,
      );
    } catch (error) {
      // Held, no longer due, or purged by the engine's own daily run since the plan was made: go on.
      const skip = ['E_LEGAL_HOLD', 'E_NOT_DUE', 'E_PURGED'];
      if (!(error instanceof AevError) || !skip.includes(error.code)) throw error;
      io.stderr.write(`aev:   skipped: ${error.message}\n`);
    }
  }
  if (json) writeLine(io.stdout, JSON.stringify({ dryRun: false, purged: results }, null, 2));
  else say(`aev: purged ${results.length} session(s); \`aev verify --all\` reports each as PURGED`);
  return 0;
}

async function hold(argv: string[], io: CliIo, socket: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { reason: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0 || values.reason === undefined || values.reason.trim() === '')
    throw new AevError('E_USAGE', `${USAGE}\n(a hold needs a reason: it goes on record)`);
  const r = (await controlRequest(socket, 'retention.hold', { id, reason: values.reason })) as HoldResult;
  writeLine(io.stdout, `aev: ${r.sessionId} is on legal hold since ${r.since ?? '?'}; retention will not purge it`);
  return 0;
}

async function release(argv: string[], io: CliIo, socket: string): Promise<number> {
  const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) throw new AevError('E_USAGE', USAGE);
  const r = (await controlRequest(socket, 'retention.release', { id })) as HoldResult;
  writeLine(io.stdout, `aev: ${r.sessionId} is no longer on hold; retention purges it once it is due`);
  return 0;
}

function describe(s: RetentionSession): string {
  return `${s.id}  ${s.kind} ${s.agent}  ended ${s.endedAt ?? '(open)'}  ${s.events} events, ${s.media} media items, ${formatBytes(s.bytes)}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function askLine(io: CliIo, question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: false });
    io.stderr.write(question);
    rl.once('line', (line) => {
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      resolve('');
    });
  });
}
