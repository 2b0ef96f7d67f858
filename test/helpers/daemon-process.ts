import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimePaths } from '../../electron/engine/runtime/data-root.ts';
import type { RuntimePaths } from '../../electron/engine/runtime/data-root.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const AEV_BIN = path.join(REPO_ROOT, 'bin', 'aev.js');
export const TEST_PASSPHRASE = 'correct horse battery staple';

/** Environment for a test engine: its own data root, passphrase unlock, cheap scrypt, no OS keyring. */
export function testEnv(dataRoot: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const passFile = path.join(path.dirname(dataRoot), `${path.basename(dataRoot)}.pass`);
  if (!fs.existsSync(passFile)) fs.writeFileSync(passFile, `${TEST_PASSPHRASE}\n`, { mode: 0o600 });
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AEV_FROM_SOURCE: '1',
    AEV_HOME: dataRoot,
    AEV_PASSPHRASE_FILE: passFile,
    AEV_SCRYPT_LOG_N: '14',
    AEV_KEYRING: 'off',
    AEV_HTTP_PORT: '0',
    // Screen recording is tested on its own Xvfb display (test/integration/capture).
    AEV_SCREEN: 'off',
    // No network here: tests that want time-stamps pass a loopback openssl TSA.
    AEV_TSA_URLS: 'off',
    ...extra,
  };
}

export interface DaemonProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly paths: RuntimePaths;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, as far as the engine can tell. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts a real `aev daemon` process and resolves once it says it is ready. */
export async function startDaemon(dataRoot: string, extraEnv: Record<string, string> = {}): Promise<DaemonProcess> {
  const env = testEnv(dataRoot, extraEnv);
  const child = spawn(process.execPath, [AEV_BIN, 'daemon'], { env, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`daemon did not start in time\nstdout: ${out}\nstderr: ${err}`));
    }, 20_000);
    const onData = (): void => {
      if (out.includes('aev: ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${String(code)}) before ready\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  return {
    child,
    paths: runtimePaths(dataRoot, process.platform, env),
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the CLI as a real process; resolves with its exit code and output. */
export function runAev(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [AEV_BIN, ...args], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aev ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(stdin ?? '');
  });
}
