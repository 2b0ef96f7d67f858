import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimePaths } from '../../electron/engine/runtime/data-root.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AEV = path.join(REPO, 'bin', 'aev.js');

/** `dist`: the compiled CLI users run (needs `npm run build`); `source`: the TypeScript sources (AEV_FROM_SOURCE=1). */
export type DaemonMode = 'dist' | 'source';

export interface Memory {
  /** Resident set size now, and its peak so far (Linux /proc/<pid>/status VmRSS, VmHWM), in KiB. */
  readonly rssKiB: number;
  readonly peakKiB: number;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FuzzDaemon {
  readonly mode: DaemonMode;
  readonly dataRoot: string;
  readonly socketPath: string;
  readonly http: { readonly url: string; readonly token: string; readonly port: number };
  readonly env: NodeJS.ProcessEnv;
  readonly pid: number;
  /** Set once the process has exited, however it exited. */
  exit(): { readonly code: number | null; readonly signal: NodeJS.Signals | null } | null;
  memory(): Memory | null;
  /** File descriptors the process holds (Linux /proc/<pid>/fd), null elsewhere or once it is gone. */
  openFds(): number | null;
  /** Log lines by level, and the last lines of stderr (a crash's stack trace ends up there). */
  log(): { readonly levels: Readonly<Record<string, number>>; readonly tail: readonly string[] };
  aev(args: readonly string[], timeoutMs?: number): Promise<CliResult>;
  stop(): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

/** Newest modification time of the files under `dir` whose names end with `suffix` (0 when none). */
function newest(dir: string, suffix: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(suffix)) t = Math.max(t, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** Whether dist/ looks older than the engine and CLI sources it is built from (a stale `npm run build`). */
export function distLooksStale(): boolean {
  const dist = path.join(REPO, 'dist', 'electron');
  if (!fs.existsSync(dist)) return true;
  return newest(path.join(REPO, 'electron'), '.ts') > newest(dist, '.js');
}

/**
 * A real `aev daemon` in a throwaway data root, with the loopback HTTP endpoint on a free port and
 * time-stamping and screen capture off (no network here; neither is on the ingest path).
 */
export async function startFuzzDaemon(mode: DaemonMode, workDir: string): Promise<FuzzDaemon> {
  if (mode === 'dist' && !fs.existsSync(path.join(REPO, 'dist', 'electron', 'cli', 'main.js')))
    throw new Error('no compiled CLI: run `npm run build` first, or pass --from-source');
  const dataRoot = path.join(workDir, 'data');
  const passFile = path.join(workDir, 'pass');
  fs.writeFileSync(passFile, 'fuzz passphrase\n', { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    AEV_HOME: dataRoot,
    AEV_PASSPHRASE_FILE: passFile,
    AEV_KEYRING: 'off',
    AEV_SCRYPT_LOG_N: '14',
    AEV_HTTP_PORT: '0',
    AEV_TSA_URLS: 'off',
    AEV_SCREEN: 'off',
    AEV_FROM_SOURCE: mode === 'source' ? '1' : '0',
  };
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [AEV, 'daemon'], { env, stdio: 'pipe' });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const levels: Record<string, number> = {};
  const tail: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      const level = /^\S+ (debug|info|warn|error) /.exec(l)?.[1] ?? 'other';
      levels[level] = (levels[level] ?? 0) + 1;
      tail.push(l);
      if (tail.length > 60) tail.shift();
    }
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    if (out.length < 10_000) out += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the daemon did not start within 60 s\n${out}\n${tail.join('\n')}`));
    }, 60_000);
    const poll = setInterval(() => {
      if (out.includes('aev: ready')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 20);
    void exited.then((e) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`the daemon exited (${String(e.code ?? e.signal)}) before it was ready\n${tail.join('\n')}`));
    });
  });
  const paths = runtimePaths(dataRoot);
  const info = JSON.parse(fs.readFileSync(paths.httpInfoPath, 'utf8')) as { url: string; token: string };
  const pid = child.pid ?? -1;
  return {
    mode,
    dataRoot,
    socketPath: paths.socketPath,
    http: { url: info.url, token: info.token, port: Number(new URL(info.url).port) },
    env,
    pid,
    exit: () => exit,
    memory: () => readMemory(pid),
    openFds: () => {
      try {
        return fs.readdirSync(`/proc/${pid}/fd`).length;
      } catch {
        return null;
      }
    },
    log: () => ({ levels: { ...levels }, tail: [...tail] }),
    aev: (args, timeoutMs = 120_000) => runCli(args, env, timeoutMs),
    async stop() {
      if (exit === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}

function readMemory(pid: number): Memory | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    const peak = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    if (rss === undefined || peak === undefined) return null;
    return { rssKiB: Number(rss), peakKiB: Number(peak) };
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/** Runs `aev <args>` against the fuzz daemon's data root, as a user would. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AEV, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
