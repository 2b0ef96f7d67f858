import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { listAccess } from '../../engine/access/access-reader.ts';
import type { AccessLogItem } from '../../engine/access/access-reader.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';
import { openStoreReadOnly } from '../../engine/verify/open-store.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';

const USAGE = 'usage: aev access-log [--json] [--limit N]';

/**
 * `aev access-log`: the vault's own chained log of exports, views, request decisions and purges
 * (docs/requests-and-access-log.md), newest first. Read from the files (the engine need not run).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, limit: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new AevError('E_USAGE', USAGE);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
    throw new AevError('E_USAGE', `--limit takes a whole number 1..100000\n${USAGE}`);
  const env = await engineEnv(io);
  const { vault, db, close } = await openStoreReadOnly(env);
  let listing: ReturnType<typeof listAccess>;
  try {
    listing = listAccess(db, vault.subkey('index-fields'), limit);
  } finally {
    close();
  }
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify(listing, null, 2));
    return 0;
  }
  if (listing.sessionId === null) {
    writeLine(io.stdout, 'The access log is empty: nothing has been exported, viewed, requested or purged yet.');
    return 0;
  }
  writeLine(
    io.stdout,
    `Access log ${listing.sessionId}: ${String(listing.total)} entries` +
      (listing.total > listing.entries.length ? `, newest ${String(listing.entries.length)} shown` : '') +
      ' (check it with `aev verify --all`)',
  );
  for (const e of listing.entries) writeLine(io.stdout, line(e));
  return 0;
}

function line(e: AccessLogItem): string {
  const seal =
    e.sealedIn === null
      ? 'not sealed yet'
      : `sealed in record ${String(e.sealedIn)}${e.stamped ? ', time-stamped' : ', time-stamp pending'}`;
  return `  #${String(e.seq).padStart(4)}  ${e.at}  ${(e.entry?.kind ?? '?').padEnd(16)}  ${e.summary}  [${seal}]`;
}
