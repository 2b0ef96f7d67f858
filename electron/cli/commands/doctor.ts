import fs from 'node:fs';
import { resolveCapture } from '../../../native/ffmpeg/probe-capture.ts';
import { describeKeyring, probeOsKeyring } from '../../../native/keychain/keyring.ts';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { DEFAULT_TSAS, defaultTsaTrustPem } from '../../engine/tsa/default-tsas.ts';
import { certificatesFromPem } from '../../engine/tsa/tsa-certificate.ts';
import { createTsaStamper } from '../../engine/tsa/tsa-stamper.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import { vaultExists } from '../../engine/vault/vault.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { controlRequest } from '../../engine/client/control-request.ts';

type Verdict = 'ok' | 'warn' | 'fail';

interface Check {
  readonly name: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to do about it, for anything not ok. */
  readonly fix?: string;
}

/** `aev doctor`: one line per check, each failing line says what to do. Exit 1 if any check fails. */
export async function run(_argv: string[], io: CliIo): Promise<number> {
  const dataRoot = resolveDataRoot(io.env);
  const paths = runtimePaths(dataRoot);
  const checks: Check[] = [
    checkNode(),
    checkVault(dataRoot, paths.vaultDir),
    await checkKeyring(io),
    ...(await checkEngine(paths.socketPath, paths.runtimeDir)),
    await checkFfmpeg(io),
    ...(await checkTsas(io)),
  ];
  for (const c of checks) {
    writeLine(
      io.stdout,
      `${c.verdict === 'ok' ? ' ok ' : c.verdict === 'warn' ? 'warn' : 'FAIL'}  ${c.name.padEnd(10)} ${c.detail}`,
    );
    if (c.fix !== undefined && c.verdict !== 'ok') writeLine(io.stdout, `      ${''.padEnd(10)} → ${c.fix}`);
  }
  return checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 22 || (major === 22 && minor >= 18);
  return ok
    ? { name: 'node', verdict: 'ok', detail: `Node ${process.versions.node}` }
    : {
        name: 'node',
        verdict: 'fail',
        detail: `Node ${process.versions.node} is too old`,
        fix: 'install Node 22.18 or newer (24 LTS recommended)',
      };
}

function checkVault(dataRoot: string, vaultDir: string): Check {
  if (!vaultExists(vaultDir))
    return { name: 'vault', verdict: 'warn', detail: `no vault in ${dataRoot} yet`, fix: 'run `aev init`' };
  const mode = fs.statSync(dataRoot).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    return {
      name: 'vault',
      verdict: 'fail',
      detail: `${dataRoot} is mode ${mode.toString(8)}`,
      fix: `chmod 700 ${dataRoot}`,
    };
  }
  return { name: 'vault', verdict: 'ok', detail: `${dataRoot} (private)` };
}

async function checkKeyring(io: CliIo): Promise<Check> {
  if (io.env.AEV_KEYRING === 'off')
    return {
      name: 'keyring',
      verdict: 'warn',
      detail: 'disabled by AEV_KEYRING=off',
      fix: 'unlock with AEV_PASSPHRASE_FILE',
    };
  const keyring = await probeOsKeyring();
  const detail = describeKeyring(keyring);
  return keyring?.secure === true
    ? { name: 'keyring', verdict: 'ok', detail }
    : {
        name: 'keyring',
        verdict: 'warn',
        detail,
        fix: 'a recovery passphrase is required to unlock (AEV_PASSPHRASE_FILE for headless use)',
      };
}

async function checkEngine(socketPath: string, runtimeDir: string): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    await controlRequest(socketPath, 'ping', {}, 3000);
    checks.push({ name: 'engine', verdict: 'ok', detail: `answering on ${socketPath}` });
  } catch (error) {
    const message = error instanceof AevError ? error.message : String(error);
    checks.push({
      name: 'engine',
      verdict: 'warn',
      detail: `not running (${message})`,
      fix: 'start `aev daemon` or the app',
    });
    return checks;
  }
  if (process.platform !== 'win32') {
    const dirMode = fs.statSync(runtimeDir).mode & 0o777;
    const sockMode = fs.statSync(socketPath).mode & 0o777;
    const ok = dirMode === 0o700 && (sockMode & 0o077) === 0;
    checks.push(
      ok
        ? {
            name: 'socket',
            verdict: 'ok',
            detail: `folder ${dirMode.toString(8)}, socket ${sockMode.toString(8)}: yours alone`,
          }
        : {
            name: 'socket',
            verdict: 'fail',
            detail: `folder ${dirMode.toString(8)}, socket ${sockMode.toString(8)}`,
            fix: `chmod 700 ${runtimeDir}; restart the engine`,
          },
    );
  }
  return checks;
}

/** The same decision the engine makes before recording (native/ffmpeg/probe-capture.ts), with its reasons. */
async function checkFfmpeg(io: CliIo): Promise<Check> {
  if (io.env.AEV_SCREEN === 'off')
    return {
      name: 'screen',
      verdict: 'ok',
      detail: 'off (AEV_SCREEN=off): only events, terminals and transcripts are recorded',
    };
  try {
    const c = await resolveCapture(io.env, process.platform);
    return {
      name: 'screen',
      verdict: 'ok',
      detail: `${c.backend} with ${c.ffmpeg} (${c.source}, ${c.version})`,
    };
  } catch (error) {
    if (!(error instanceof AevError)) throw error;
    return {
      name: 'screen',
      verdict: 'fail',
      detail: error.message,
      fix: 'do what the detail says, or set AEV_SCREEN=off to record without the screen',
    };
  }
}

/** Each TSA: can we get a verified time-stamp from it right now (a real request over the network)? */
async function checkTsas(io: CliIo): Promise<Check[]> {
  const env = await engineEnv(io);
  const tsa =
    env.tsa === undefined ? { endpoints: DEFAULT_TSAS, trustPem: defaultTsaTrustPem(), timeoutMs: 5000 } : env.tsa;
  if (tsa === null) {
    return [
      {
        name: 'tsa',
        verdict: 'warn',
        detail: 'time-stamping is off (AEV_TSA_URLS=off)',
        fix: 'records stay pending until TSAs are configured',
      },
    ];
  }
  const stamper = createTsaStamper({
    timeoutMs: Math.min(tsa.timeoutMs, 5000),
    trustAnchors: certificatesFromPem(tsa.trustPem),
  });
  const imprint = createHash('sha256').update(`aev doctor ${new Date().toISOString()}`).digest();
  const checks: Check[] = [];
  for (const e of tsa.endpoints) {
    try {
      const stamp = await stamper.stamp(e.url, imprint);
      checks.push({ name: 'tsa', verdict: 'ok', detail: `${e.url}: verified token, genTime ${stamp.genTime}` });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      checks.push({
        name: 'tsa',
        verdict: 'warn',
        detail: `${e.url}: ${message}`,
        fix: 'check the network or proxy (HTTPS_PROXY, HTTP_PROXY); records wait in the queue until a TSA answers',
      });
    }
  }
  return checks;
}
