import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimePaths } from '../electron/engine/runtime/data-root.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const AEV = path.join(REPO, 'bin', 'aev.js');

export interface BenchDaemon {
  readonly dataRoot: string;
  readonly socketPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** A real `aev daemon` from the compiled build (what users run), in a throwaway data root. */
export async function startBenchDaemon(
  extraEnv: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<BenchDaemon> {
  if (!fs.existsSync(path.join(REPO, 'dist', 'electron', 'cli', 'main.js'))) {
    throw new Error('run `npm run build` first: benchmarks measure the compiled CLI');
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-bench-'));
  const dataRoot = path.join(tmp, 'data');
  const passFile = path.join(tmp, 'pass');
  fs.writeFileSync(passFile, 'benchmark passphrase\n', { mode: 0o600 });
  const env = {
    ...process.env,
    AEV_HOME: dataRoot,
    AEV_PASSPHRASE_FILE: passFile,
    AEV_KEYRING: 'off',
    AEV_HTTP_PORT: 'off',
    AEV_SCRYPT_LOG_N: '14',
    // No network here; time-stamping is measured in the sealing benchmark, not on the ingest path.
    AEV_TSA_URLS: 'off',
    AEV_FROM_SOURCE: '0',
    // Screen capture has its own benchmark (bench/capture.ts), which turns it on.
    AEV_SCREEN: 'off',
    ...extraEnv,
  };
  const child = await spawnReadyDaemon(env, 'inherit', nodeArgs);
  return {
    dataRoot,
    socketPath: runtimePaths(dataRoot).socketPath,
    env,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Spawns `aev daemon --quiet` (with `nodeArgs` for node itself) and resolves once it says it is ready. With 'pipe', the last few KB of its
 * stderr are kept and named when it exits before that.
 */
export async function spawnReadyDaemon(
  env: NodeJS.ProcessEnv,
  stderr: 'inherit' | 'pipe',
  nodeArgs: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, AEV, 'daemon', '--quiet'], {
    env,
    stdio: ['ignore', 'pipe', stderr],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('aev: ready')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`daemon exited ${String(code)} before ready${err === '' ? '' : `: ${err}`}`));
    });
  });
  return child;
}
