import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import type { VerifyItem } from '../../common/model/verification.ts';
import { defaultTsaTrustPem } from '../../engine/tsa/default-tsas.ts';
import { verifyBundle } from '../../engine/verify/bundle/verify-bundle.ts';
import { verifyStore } from '../../engine/verify/verify-store.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';

const USAGE =
  'usage: aev verify (--session ID… | --all) [--trust PEM] [--allow-pending] [--json] [--quiet]\n' +
  '       aev verify BUNDLE [--identity AGE_KEY_FILE] [--trust PEM] [--json] [--quiet]';

/**
 * `aev verify`: recomputes every hash, Merkle root, chain link, signature and time-stamp of the local
 * store and reports every item with a code. Exit 0 only when everything verifies.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      session: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      trust: { type: 'string' },
      'allow-pending': { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      identity: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) {
    if (positionals.length > 1 || values.session !== undefined || values.all === true || values['allow-pending'])
      throw new AevError('E_USAGE', USAGE);
    return runBundle(positionals[0] ?? '', values, io);
  }
  if (values.identity !== undefined) throw new AevError('E_USAGE', USAGE);
  const sessions = values.all === true ? 'all' : (values.session ?? []);
  if (sessions !== 'all' && sessions.length === 0) throw new AevError('E_USAGE', USAGE);
  const trustFile = values.trust ?? io.env.AEV_TSA_TRUST;
  let trustPem: string;
  try {
    trustPem = trustFile === undefined || trustFile === '' ? defaultTsaTrustPem() : fs.readFileSync(trustFile, 'utf8');
  } catch (cause) {
    throw new AevError('E_USAGE', `cannot read the trust store ${String(trustFile)}`, undefined, { cause });
  }
  const env = await engineEnv(io);
  const json = values.json === true;
  const quiet = values.quiet === true;
  const printItem = (i: VerifyItem): void => {
    if (json || (quiet && i.status === 'pass')) return;
    const mark = i.status === 'pass' ? ' ok ' : i.status === 'pending' ? 'wait' : 'FAIL';
    writeLine(io.stdout, `${mark}  ${i.item}: ${i.status === 'pass' ? i.message : `${i.code} ${i.message}`}`);
  };
  const report = await verifyStore({
    dataRoot: env.dataRoot,
    keyring: env.keyring,
    passphrase: env.passphrase,
    sessions,
    trustPem,
    allowPending: values['allow-pending'] === true,
    onItem: printItem,
    onProgress: (done, total) => {
      if (!json && total > 1)
        io.stderr.write(`\rverifying session ${Math.min(done + 1, total)}/${total}${done === total ? '\n' : ''}`);
    },
  });
  if (json) {
    writeLine(io.stdout, JSON.stringify(report, null, 2));
  } else {
    const c = report.counts;
    writeLine(
      io.stdout,
      `${report.ok ? 'VERIFIED' : 'NOT VERIFIED'}: ${c.pass} passed, ${c.fail} failed, ${c.pending} pending`,
    );
    if (!report.ok && c.fail === 0)
      writeLine(io.stdout, 'Only time-stamps are pending; rerun later, or pass --allow-pending.');
  }
  return report.ok ? 0 : 1;
}

/** `aev verify BUNDLE`: checks an exported bundle offline, from the bundle (and trust anchors) alone. */
async function runBundle(
  file: string,
  values: { trust?: string; identity?: string; json?: boolean; quiet?: boolean },
  io: CliIo,
): Promise<number> {
  if (!fs.existsSync(file)) throw new AevError('E_USAGE', `no such bundle: ${file}`);
  let trustPem: string | undefined;
  try {
    trustPem = values.trust === undefined ? undefined : fs.readFileSync(values.trust, 'utf8');
  } catch (cause) {
    throw new AevError('E_USAGE', `cannot read the trust store ${String(values.trust)}`, undefined, { cause });
  }
  const json = values.json === true;
  const quiet = values.quiet === true;
  const report = await verifyBundle({
    file,
    identityFile: values.identity,
    trustPem,
    onItem: (i) => {
      if (json || (quiet && i.status === 'pass')) return;
      const mark = i.status === 'pass' ? ' ok ' : i.status === 'pending' ? 'wait' : 'FAIL';
      writeLine(io.stdout, `${mark}  ${i.item}: ${i.status === 'pass' ? i.message : `${i.code} ${i.message}`}`);
    },
  });
  const c = report.counts;
  if (json) writeLine(io.stdout, JSON.stringify(report, null, 2));
  else writeLine(io.stdout, `${report.ok ? 'VERIFIED' : 'NOT VERIFIED'}: ${c.pass} passed, ${c.fail} failed`);
  return report.ok ? 0 : 1;
}
