import fs from 'node:fs';
import { probeOsKeyring } from '../../native/keychain/keyring.ts';
import type { KeyringPort } from '../../native/keychain/keyring.ts';
import { AevError } from '../common/errors.ts';
import { DEFAULT_HTTP_PORT } from '../engine/engine-config.ts';
import { resolveDataRoot } from '../engine/runtime/data-root.ts';
import type { CliIo } from './cli-io.ts';

/** What the environment says about the engine to start: data root, unlock material, ports. */
export interface EngineEnv {
  readonly dataRoot: string;
  readonly passphrase: string | undefined;
  readonly keyring: KeyringPort | null;
  readonly httpPort: number | null;
}

export async function engineEnv(io: CliIo): Promise<EngineEnv> {
  const dataRoot = resolveDataRoot(io.env);
  const passphrase = readPassphraseFile(io);
  const keyring = io.env.AEV_KEYRING === 'off' ? null : await probeOsKeyring();
  return { dataRoot, passphrase, keyring, httpPort: httpPortFrom(io.env.AEV_HTTP_PORT) };
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
