import fs from 'node:fs';
import { probeOsKeyring } from '../../native/keychain/keyring.ts';
import type { KeyringPort } from '../../native/keychain/keyring.ts';
import { AevError } from '../common/errors.ts';
import { DEFAULT_HTTP_PORT } from '../engine/engine-config.ts';
import { resolveDataRoot } from '../engine/runtime/data-root.ts';
import type { SealConfig } from '../engine/seal/seal-service.ts';
import { DEFAULT_TSAS, defaultTsaTrustPem, tsasFromList } from '../engine/tsa/default-tsas.ts';
import type { CliIo } from './cli-io.ts';

/** What the environment says about the engine to start: data root, unlock material, ports. */
export interface EngineEnv {
  readonly dataRoot: string;
  readonly passphrase: string | undefined;
  readonly keyring: KeyringPort | null;
  readonly httpPort: number | null;
  /** Undefined: the engine's default TSAs and trust store. */
  readonly tsa: SealConfig['tsa'] | undefined;
  readonly windowMs: number | undefined;
}

export async function engineEnv(io: CliIo): Promise<EngineEnv> {
  const dataRoot = resolveDataRoot(io.env);
  const passphrase = readPassphraseFile(io);
  const keyring = io.env.AEV_KEYRING === 'off' ? null : await probeOsKeyring();
  return {
    dataRoot,
    passphrase,
    keyring,
    httpPort: httpPortFrom(io.env.AEV_HTTP_PORT),
    tsa: tsaFrom(io.env),
    windowMs: positiveInt(io.env.AEV_WINDOW_MS, 'AEV_WINDOW_MS'),
  };
}

/** AEV_TSA_URLS (comma-separated, or `off`) and AEV_TSA_TRUST (PEM roots); unset means the defaults. */
function tsaFrom(env: CliIo['env']): SealConfig['tsa'] | undefined {
  const urls = env.AEV_TSA_URLS;
  const trustFile = env.AEV_TSA_TRUST;
  if (urls === 'off') return null;
  if ((urls === undefined || urls === '') && (trustFile === undefined || trustFile === '')) return undefined;
  let trustPem: string;
  try {
    trustPem = trustFile === undefined || trustFile === '' ? defaultTsaTrustPem() : fs.readFileSync(trustFile, 'utf8');
  } catch (cause) {
    throw new AevError('E_CONFIG', `cannot read AEV_TSA_TRUST ${String(trustFile)}`, undefined, { cause });
  }
  return {
    endpoints: urls === undefined || urls === '' ? DEFAULT_TSAS : tsasFromList(urls),
    trustPem,
    timeoutMs: 10_000,
  };
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new AevError('E_CONFIG', `${name} must be a positive whole number`);
  return n;
}

/** AEV_PASSPHRASE_FILE: the recovery passphrase for headless unlock. Its first line is the passphrase. */
export function readPassphraseFile(io: CliIo, file = io.env.AEV_PASSPHRASE_FILE): string | undefined {
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    const st = fs.statSync(file);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      io.stderr.write(`aev: warning: ${file} is readable by other users; chmod 600 it\n`);
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_CONFIG', `cannot read the passphrase file ${file}`, { file }, { cause });
  }
  const passphrase = text.split(/\r?\n/)[0] ?? '';
  if (passphrase.length < 8) throw new AevError('E_CONFIG', `the passphrase in ${file} is shorter than 8 characters`);
  return passphrase;
}

function httpPortFrom(value: string | undefined): number | null {
  if (value === undefined || value === '') return DEFAULT_HTTP_PORT;
  if (value === 'off') return null;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new AevError('E_CONFIG', `AEV_HTTP_PORT must be a port number or "off", not ${JSON.stringify(value)}`);
  }
  return port;
}
