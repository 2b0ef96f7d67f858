import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';
import type { EngineEnv } from '../../engine/host/engine-env.ts';
import { findAllowedSigner, readAllowedSigners } from '../../engine/requests/allowed-signers.ts';
import type { AllowedSigner } from '../../engine/requests/allowed-signers.ts';
import { REQUEST_NAMESPACE } from '../../engine/requests/request-format.ts';
import { approveRequest, denyRequest, inspectRequest } from '../../engine/requests/review-request.ts';
import type { RequestInspection } from '../../engine/requests/review-request.ts';
import { readRequestFile, verifyRequest } from '../../engine/requests/verify-request.ts';
import type { VerifiedRequest } from '../../engine/requests/verify-request.ts';
import { defaultTsaTrustPem } from '../../engine/tsa/default-tsas.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { isTerminal } from '../prompt-secret.ts';
import { askDecision } from './request-prompt.ts';
import type { Decision } from './request-prompt.ts';
import { REQUEST_USAGE } from './request.ts';

/** What the reviewer's allowed-signers file says of the requester; `file` undefined when none was given. */
interface Trust {
  readonly file: string | undefined;
  readonly signer: AllowedSigner | null;
}

/**
 * `aev request review`: the developer's side. The request is hostile input until it has passed
 * verifyRequest; then it is shown resolved against this vault and decided, once: approving exports the
 * range encrypted to the requester's age key only, denying writes nothing but the decision. Both go on
 * the access log.
 */
export async function runReview(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      approve: { type: 'boolean' },
      deny: { type: 'boolean' },
      reason: { type: 'string' },
      out: { type: 'string' },
      'trust-requester': { type: 'string' },
      trust: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new AevError('E_USAGE', REQUEST_USAGE);
  if (values.approve === true && values.deny === true)
    throw new AevError('E_USAGE', '--approve and --deny exclude each other');
  if (values.deny === true && (values.reason === undefined || values.reason.trim() === ''))
    throw new AevError('E_USAGE', '--deny needs --reason TEXT (it goes on the access log)');
  if (values.reason !== undefined && values.deny !== true) throw new AevError('E_USAGE', '--reason goes with --deny');

  const nowMs = Date.now();
  const verified = verifyRequest(readRequestFile(file), nowMs);
  const trustFile = values['trust-requester'];
  const trust: Trust = {
    file: trustFile,
    signer:
      trustFile === undefined
        ? null
        : findAllowedSigner(readAllowedSigners(trustFile), verified.requesterKey, REQUEST_NAMESPACE, nowMs),
  };
  const env = await engineEnv(io);
  const inspection = await inspectRequest(env, verified);
  const out = values.out ?? defaultBundlePath(file);
  const json = values.json === true;
  for (const line of describe(file, verified, inspection, trust, out)) writeLine(json ? io.stderr : io.stdout, line);

  let decision: Decision;
  if (values.approve === true) decision = { kind: 'approve' };
  else if (values.deny === true) decision = { kind: 'deny', reason: values.reason ?? '' };
  else if (isTerminal(io)) decision = await askDecision(io);
  else
    throw new AevError(
      'E_USAGE',
      'stdin is not a terminal, so nobody can be asked: decide with --approve, or --deny --reason TEXT',
    );
  if (decision === null) {
    io.stderr.write('aev: no decision; nothing was exported or recorded\n');
    return 1;
  }
  const trustedAs = trust.signer?.principals ?? null;
  if (decision.kind === 'deny') {
    const access = await denyRequest(env, verified, decision.reason.trim(), trustedAs);
    const entry = access.recorded[0];
    if (json) writeLine(io.stdout, JSON.stringify({ decision: 'denied', access }, null, 2));
    else writeLine(io.stdout, `denied; on the access log as entry ${String(entry?.seq ?? '?')} (nothing was exported)`);
    return 0;
  }
  if (trust.file !== undefined && trust.signer === null)
    throw new AevError(
      'E_REQUEST_UNTRUSTED',
      `refusing to approve: the requester key ${verified.request.requester.fingerprint} is not trusted for ` +
        `${REQUEST_NAMESPACE} in ${trust.file}`,
    );
  const approved = await approveRequest(env, verified, {
    out,
    trustPem: readTrust(values.trust, env),
    trustedAs,
    env: io.env,
    onProgress: (message) => io.stderr.write(`${message}\n`),
  });
  for (const u of approved.bundle.uncovered)
    io.stderr.write(
      `aev: WARNING: ${u} is not yet covered by a time-stamp; the requester's \`aev verify\` will report it\n`,
    );
  if (json) {
    writeLine(
      io.stdout,
      JSON.stringify(
        {
          decision: 'approved',
          out,
          bundleSha256: approved.bundleSha256,
          bundle: approved.bundle,
          access: approved.access,
        },
        null,
        2,
      ),
    );
  } else {
    writeLine(io.stdout, out);
    io.stderr.write(
      `aev: approved; bundle sha256 ${approved.bundleSha256}, encrypted to the requester's key only.\n` +
        '  Send the bundle to the requester; the approval and the export are on the access log (`aev access-log`).\n',
    );
  }
  return 0;
}

/** Next to the request: `lead-request.json` → `lead-request.aevb.tar.age`. */
function defaultBundlePath(requestFile: string): string {
  const base = path.basename(requestFile).replace(/\.json$/i, '');
  return path.join(path.dirname(requestFile), `${base}.aevb.tar.age`);
}

function readTrust(file: string | undefined, env: EngineEnv): string {
  if (file === undefined) return env.tsa?.trustPem ?? defaultTsaTrustPem();
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_USAGE', `cannot read the trust store ${file}`, undefined, { cause });
  }
}

function describe(file: string, v: VerifiedRequest, i: RequestInspection, trust: Trust, out: string): string[] {
  const r = v.request;
  const who =
    trust.file === undefined
      ? 'not checked (no --trust-requester): make sure this is the requester’s key (`aev keys show` on their machine)'
      : trust.signer === null
        ? `NOT trusted: not listed for ${REQUEST_NAMESPACE} in ${trust.file}`
        : `trusted as "${trust.signer.principals}" (${trust.file}, line ${String(trust.signer.line)})`;
  const asked =
    r.range.kind === 'time' ? `${r.range.from} → ${r.range.to}` : `tool calls ${r.range.fromTool} → ${r.range.toTool}`;
  const s = i.session;
  return [
    `Clip request ${file} (signature verified)`,
    `  requester   ${r.requester.fingerprint}`,
    `              ${who}`,
    `  session     ${s.id} (${s.agent} ${s.kind}, started ${s.startedAt}${s.endedAt === null ? ', still open' : `, ended ${s.endedAt}`})`,
    `  asked for   ${asked}`,
    `  resolves to ${i.range.from} → ${i.range.to}`,
    ...i.windows.map(
      (w, n) =>
        `  ${n === 0 ? 'windows    ' : '           '} ${w.sessionId} (${w.kind}): ${records(w.records)}, ${w.from} → ${w.to}`,
    ),
    `  reason      ${r.reason}`,
    `  encrypt to  ${r.recipient} (only this key can open the bundle)`,
    `  made        ${r.createdAt}; expires ${r.expiresAt}`,
    `  bundle      ${out}`,
  ];
}

/** [2, 3, 4, 7] → "records 2–4, 7". */
function records(seqs: readonly number[]): string {
  const parts: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  for (const n of [...seqs, Number.NaN]) {
    if (prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    if (start !== undefined && prev !== undefined)
      parts.push(start === prev ? String(start) : `${String(start)}–${String(prev)}`);
    start = n;
    prev = n;
  }
  return `${seqs.length === 1 ? 'record' : 'records'} ${parts.join(', ')}`;
}
