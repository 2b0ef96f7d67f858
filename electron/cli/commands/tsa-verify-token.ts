import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { certificatesFromPem, type TsaCertificate } from '../../engine/tsa/tsa-certificate.ts';
import type { ExpectedImprint, TimestampAccuracy, TimestampVerdict } from '../../engine/tsa/timestamp-verdict.ts';
import { verifyTimestamp } from '../../engine/tsa/verify-timestamp.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';

const USAGE =
  'usage: aev tsa verify-token (--data FILE | --digest HEX) --token FILE [--token-only] --trust PEM [--untrusted PEM] [--policy OID]... [--json]';

/** A mistake in how the command was called: exit 2 with a one-line reason, never a stack trace. */
class UsageError extends Error {}

async function readInput(io: CliIo, flag: string, file: string): Promise<Buffer> {
  try {
    return await fs.readFile(path.resolve(io.cwd, file));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'unreadable');
    throw new UsageError(`cannot read ${flag} ${file} (${reason})`);
  }
}

async function readCertificates(io: CliIo, flag: string, file: string): Promise<TsaCertificate[]> {
  const pem = (await readInput(io, flag, file)).toString('utf8');
  let certs: TsaCertificate[];
  try {
    certs = certificatesFromPem(pem);
  } catch {
    throw new UsageError(`${flag} ${file} holds a certificate that does not parse`);
  }
  if (certs.length === 0) throw new UsageError(`${flag} ${file} holds no PEM certificate`);
  return certs;
}

/** `--digest HEX` is the imprint itself; its algorithm comes from the token. 20 bytes can only be SHA-1. */
function parseDigest(hex: string): ExpectedImprint {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new UsageError('--digest must be hexadecimal');
  const digest = new Uint8Array(Buffer.from(hex, 'hex'));
  if (digest.byteLength === 20) throw new UsageError('--digest is 20 bytes, a SHA-1 imprint, which is not accepted');
  if (![32, 48, 64].includes(digest.byteLength)) {
    throw new UsageError(`--digest is ${digest.byteLength} bytes; expected a SHA-256, SHA-384 or SHA-512 imprint`);
  }
  return { digest };
}

function formatAccuracy(accuracy: TimestampAccuracy | undefined): string {
  if (accuracy === undefined) return ' (accuracy not stated)';
  const micros = accuracy.seconds * 1_000_000 + accuracy.millis * 1000 + accuracy.micros;
  return ` ± ${micros / 1_000_000} s`;
}

function printVerdict(io: CliIo, verdict: TimestampVerdict): void {
  const out = (label: string, value: string | undefined): void => {
    if (value !== undefined) writeLine(io.stdout, `${label.padEnd(10)} ${value}`);
  };
  writeLine(io.stdout, `Verification: ${verdict.valid ? 'OK' : 'FAILED'}`);
  if (!verdict.valid) out('Reason', `${verdict.code ?? 'TSA_MALFORMED'}: ${verdict.message ?? ''}`);
  out('Time', verdict.genTime === undefined ? undefined : `${verdict.genTime}${formatAccuracy(verdict.accuracy)}`);
  out('TSA name', verdict.tsaName);
  out('Signer', verdict.signerSubject);
  out('Policy', verdict.policy);
  out('Serial', verdict.serialNumber);
  out('Imprint', verdict.imprintAlgorithm);
  out('Nonce', verdict.nonce);
}

async function verifyToken(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        digest: { type: 'string' },
        token: { type: 'string' },
        'token-only': { type: 'boolean' },
        trust: { type: 'string' },
        untrusted: { type: 'string' },
        policy: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : 'bad arguments');
  }
  if ((values.data === undefined) === (values.digest === undefined))
    throw new UsageError('give exactly one of --data or --digest');
  if (values.token === undefined) throw new UsageError('--token is required');
  if (values.trust === undefined) throw new UsageError('--trust is required (the TSA root certificates, PEM)');
  const expected =
    values.data !== undefined ? { data: await readInput(io, '--data', values.data) } : parseDigest(values.digest ?? '');
  const bytes = await readInput(io, '--token', values.token);
  const trustAnchors = await readCertificates(io, '--trust', values.trust);
  const untrusted = values.untrusted === undefined ? [] : await readCertificates(io, '--untrusted', values.untrusted);
  const verdict = verifyTimestamp(new Uint8Array(bytes), expected, {
    trustAnchors,
    untrusted,
    policies: values.policy ?? [],
    form: values['token-only'] === true ? 'token' : 'response',
  });
  if (values.json === true) writeLine(io.stdout, JSON.stringify(verdict));
  else printVerdict(io, verdict);
  return verdict.valid ? 0 : 1;
}

/**
 * `aev tsa verify-token`: checks an RFC 3161 time-stamp offline, like `openssl ts -verify` but with
 * the checks of docs/rfc3161-verification.md. Exit 0 valid, 1 invalid, 2 usage error.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    return await verifyToken(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    writeLine(io.stderr, `aev tsa verify-token: ${error.message}`);
    writeLine(io.stderr, USAGE);
    return 2;
  }
}
