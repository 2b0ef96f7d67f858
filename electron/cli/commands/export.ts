import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { exportBundle } from '../../engine/export/export-bundle.ts';
import { recordExport } from '../../engine/access/export-entry.ts';
import type { ExportRange } from '../../engine/export/bundle-selection.ts';
import { defaultTsaTrustPem } from '../../engine/tsa/default-tsas.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';

const USAGE =
  'usage: aev export SESSION (--from ISO --to ISO | --from-tool ID --to-tool ID) --out FILE ' +
  '(--recipient AGE_PUBKEY… | --recipients-file F | --plain) [--withhold-event ID]… [--trust PEM] [--json]';

/**
 * `aev export`: writes an evidence bundle (docs/bundle-format.md) of whole sealed windows, encrypted
 * with age to the given recipients; unencrypted only with an explicit --plain (invariant I1).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'from-tool': { type: 'string' },
      'to-tool': { type: 'string' },
      out: { type: 'string' },
      recipient: { type: 'string', multiple: true },
      'recipients-file': { type: 'string', multiple: true },
      plain: { type: 'boolean' },
      'withhold-event': { type: 'string', multiple: true },
      trust: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [sessionId, ...extra] = positionals;
  if (sessionId === undefined || extra.length > 0 || values.out === undefined) throw new AevError('E_USAGE', USAGE);
  const range = rangeFrom(values);
  const recipients = [...(values.recipient ?? []), ...(values['recipients-file'] ?? []).flatMap(readRecipients)];
  const plain = values.plain === true;
  if (plain && recipients.length > 0) throw new AevError('E_USAGE', '--plain cannot be combined with recipients');
  if (!plain && recipients.length === 0)
    throw new AevError(
      'E_USAGE',
      'refusing to write evidence unencrypted: pass --recipient age1… (or --recipients-file), or --plain to accept a clear bundle',
    );
  if (plain)
    io.stderr.write(
      'aev: WARNING: --plain writes event payloads, terminal output and screen video UNENCRYPTED to disk\n',
    );
  const trustPem = readTrust(values.trust ?? io.env.AEV_TSA_TRUST);
  const env = await engineEnv(io);
  const result = await exportBundle({
    dataRoot: env.dataRoot,
    keyring: env.keyring,
    passphrase: env.passphrase,
    sessionId,
    range,
    out: values.out,
    recipients,
    plain,
    withhold: values['withhold-event'] ?? [],
    trustPem,
    onProgress: (message) => io.stderr.write(`${message}\n`),
  });
  // Every export goes on the vault's access log (DESIGN.md §5); a bundle not on record is removed again.
  const recorded = await recordExport(env, result, recipients);
  io.stderr.write(`recorded in the access log (bundle sha256 ${recorded.bundleSha256})\n`);
  for (const u of result.uncovered)
    io.stderr.write(`aev: WARNING: ${u} is not yet covered by a time-stamp; \`aev verify\` will report it\n`);
  if (values.json === true) writeLine(io.stdout, JSON.stringify(result, null, 2));
  else writeLine(io.stdout, result.out);
  return 0;
}

/** --from/--to or --from-tool/--to-tool, exactly one pair (also for `aev request create`). */
export function rangeFrom(
  v: { from?: string; to?: string; 'from-tool'?: string; 'to-tool'?: string },
  usage = USAGE,
): ExportRange {
  const time = v.from !== undefined || v.to !== undefined;
  const tool = v['from-tool'] !== undefined || v['to-tool'] !== undefined;
  if (time && !tool && v.from !== undefined && v.to !== undefined) return { kind: 'time', from: v.from, to: v.to };
  if (tool && !time && v['from-tool'] !== undefined && v['to-tool'] !== undefined)
    return { kind: 'tool', fromTool: v['from-tool'], toTool: v['to-tool'] };
  throw new AevError('E_USAGE', `give either --from and --to, or --from-tool and --to-tool\n${usage}`);
}

/** An age recipients file: one `age1…` per line, `#` comments and blank lines allowed (age(1) -R). */
function readRecipients(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_USAGE', `cannot read the recipients file ${file}`, undefined, { cause });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function readTrust(file: string | undefined): string {
  try {
    return file === undefined || file === '' ? defaultTsaTrustPem() : fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_USAGE', `cannot read the trust store ${String(file)}`, undefined, { cause });
  }
}
