import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';
import { createRequest } from '../../engine/requests/create-request.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { rangeFrom } from './export.ts';
import { REQUEST_USAGE } from './request.ts';

/** `aev request create`: a team lead's signed request for a range of a developer's session. */
export async function runCreate(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      session: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'from-tool': { type: 'string' },
      'to-tool': { type: 'string' },
      reason: { type: 'string' },
      recipient: { type: 'string' },
      out: { type: 'string' },
      'expires-in': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const { session, reason, recipient, out } = values;
  if (
    positionals.length > 0 ||
    session === undefined ||
    reason === undefined ||
    recipient === undefined ||
    out === undefined
  )
    throw new AevError('E_USAGE', REQUEST_USAGE);
  const env = await engineEnv(io);
  const created = await createRequest({
    dataRoot: env.dataRoot,
    keyring: env.keyring,
    passphrase: env.passphrase,
    sessionId: session,
    range: rangeFrom(values, REQUEST_USAGE),
    reason,
    recipient,
    out,
    ...(values['expires-in'] === undefined ? {} : { ttlMs: duration(values['expires-in']) }),
  });
  const r = created.request;
  if (values.json === true) {
    writeLine(
      io.stdout,
      JSON.stringify({ out: created.out, request: r, allowedSigners: created.allowedSigners }, null, 2),
    );
    return 0;
  }
  writeLine(io.stdout, created.out);
  io.stderr.write(
    `aev: request for session ${r.sessionId}, to be encrypted to ${r.recipient}\n` +
      `  signed by this machine's device key ${r.requester.fingerprint}; expires ${r.expiresAt}\n` +
      '  The developer can trust your key for requests with this allowed_signers line (--trust-requester FILE):\n' +
      `    ${created.allowedSigners}\n`,
  );
  return 0;
}

/** `7d`, `48h`, `90m`. */
function duration(text: string): number {
  const m = /^(\d{1,6})([dhm])$/.exec(text);
  if (m === null)
    throw new AevError('E_USAGE', `--expires-in takes a duration like 7d, 48h or 90m, not ${JSON.stringify(text)}`);
  const unit = { d: 24 * 3600_000, h: 3600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  return Number(m[1]) * unit;
}
