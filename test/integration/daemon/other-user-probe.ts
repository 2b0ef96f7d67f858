import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A second local user for permission tests: a throwaway system account, and probes (file reads,
 * socket connects, HTTP posts, signals) run as that account. Creating the account needs root.
 *
 * The probe is plain CommonJS so that any Node on the machine can run it: the Node running the tests
 * may live under a home folder the other user cannot enter (/root/.cache/…), and then the system's
 * Node (Debian's /usr/bin/node, v18 or later) runs it instead.
 */

export interface LocalUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export type ProbeOp =
  | { readonly op: 'whoami' }
  | { readonly op: 'read' | 'readdir' | 'stat'; readonly path: string }
  | { readonly op: 'connect'; readonly path: string }
  | {
      readonly op: 'post';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    }
  | { readonly op: 'signal'; readonly pid: number; readonly signal: string };

export interface ProbeResult {
  readonly ok: boolean;
  /** The errno code (EACCES, EPERM…) when the operation failed. */
  readonly code?: string;
  /** HTTP status, for `post`. */
  readonly status?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly groups?: number[];
}

/** Why a second user cannot be made here, or null when it can. */
export function otherUserUnavailable(): string | null {
  if (process.platform !== 'linux') return 'needs Linux (useradd)';
  if (process.getuid?.() !== 0) return 'needs root to create a throwaway local user';
  if (findProgram('useradd') === null || findProgram('userdel') === null) return 'useradd/userdel not found';
  if (nodeForEveryone() === null) return 'no Node binary that every local user may execute';
  return null;
}

/** `useradd --system`: no home, no login shell, its own group. */
export function createThrowawayUser(): LocalUser {
  const name = `aevtest${randomBytes(4).toString('hex')}`;
  const add = spawnSync(
    findProgram('useradd')!,
    ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name],
    { encoding: 'utf8' },
  );
  if (add.status !== 0) throw new Error(`useradd ${name} failed: ${add.stderr}`);
  const id = (flag: string): number => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

export function removeUser(user: LocalUser): void {
  spawnSync(findProgram('userdel')!, [user.name]);
  // With USERGROUPS_ENAB, userdel removes the user's own group too; make sure of it.
  if (spawnSync('getent', ['group', user.name]).status === 0) spawnSync('groupdel', [user.name]);
}

/** A Node binary that the other user can run: executable by all, in folders everyone may enter. */
export function nodeForEveryone(): string | null {
  const candidates = [
    process.execPath,
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'node')),
    '/usr/bin/node',
    '/usr/local/bin/node',
  ];
  return candidates.find(executableByEveryone) ?? null;
}

function executableByEveryone(file: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(file);
    if ((fs.statSync(real).mode & 0o001) === 0) return false;
  } catch {
    return false;
  }
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

function findProgram(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const PROBE_SOURCE = String.raw`'use strict';
const fs = require('fs');
const net = require('net');
const http = require('http');
const path = require('path');
const mode = process.argv[2];
const spec = JSON.parse(process.argv[3]);

function attempt(fn) {
  try { fn(); return { ok: true }; } catch (e) { return { ok: false, code: e.code }; }
}
function run(op) {
  switch (op.op) {
    case 'whoami': return { ok: true, uid: process.getuid(), gid: process.getgid(), groups: process.getgroups() };
    case 'read': return attempt(() => fs.readFileSync(op.path));
    case 'readdir': return attempt(() => fs.readdirSync(op.path));
    case 'stat': return attempt(() => fs.statSync(op.path));
    case 'signal': return attempt(() => process.kill(op.pid, op.signal));
    case 'connect': return new Promise((resolve) => {
      const s = net.connect(op.path);
      s.once('connect', () => { s.destroy(); resolve({ ok: true }); });
      s.once('error', (e) => resolve({ ok: false, code: e.code }));
    });
    case 'post': return new Promise((resolve) => {
      const req = http.request(op.url, { method: 'POST', headers: op.headers }, (res) => {
        res.resume();
        resolve({ ok: true, status: res.statusCode });
      });
      req.once('error', (e) => resolve({ ok: false, code: e.code }));
      req.end(op.body);
    });
    default: return { ok: false, code: 'UNKNOWN_OP' };
  }
}

if (mode === 'ops') {
  (async () => {
    const out = [];
    for (const op of spec) out.push(await run(op));
    process.stdout.write(JSON.stringify(out));
  })();
} else if (mode === 'serve-unix') {
  // Pretends to be the engine: answers hello and acknowledges events, keeping every line it is sent.
  fs.mkdirSync(path.dirname(spec.path), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.dirname(path.dirname(spec.path)), 0o755);
  fs.chmodSync(path.dirname(spec.path), 0o755);
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        fs.appendFileSync(spec.log, line + '\n');
        let frame;
        try { frame = JSON.parse(line); } catch { continue; }
        if (frame.type === 'hello') {
          socket.write(JSON.stringify({ type: 'hello', id: frame.id, ok: true, protocol: 1, server: 'not-aev' }) + '\n');
        } else if (frame.type === 'event') {
          socket.write(JSON.stringify({ type: 'ack', id: frame.id, eventId: 'ev_x', sessionId: 's_x', seq: 1, recording: true }) + '\n');
        }
      }
    });
  });
  server.listen(spec.path, () => {
    fs.chmodSync(spec.path, 0o777);
    process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  });
} else if (mode === 'serve-tcp') {
  const server = http.createServer((req, res) => { req.resume(); res.end('{}'); });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ ready: true, port: server.address().port }) + '\n');
  });
}
`;

/** Writes the probe into `dir` (which the other user must be able to enter) and returns its path. */
export function installProbe(dir: string): string {
  const file = path.join(dir, 'other-user-probe.cjs');
  fs.writeFileSync(file, PROBE_SOURCE, { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  return file;
}

function spawnAs(user: LocalUser, probe: string, mode: string, spec: unknown): ChildProcess {
  const node = nodeForEveryone();
  if (node === null) throw new Error('no Node binary every user can execute');
  return spawn(node, [probe, mode, JSON.stringify(spec)], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    env: { PATH: '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `ops` one after the other as `user`; one result per op. */
export function probeAs(user: LocalUser, probe: string, ops: readonly ProbeOp[]): Promise<ProbeResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(user, probe, 'ops', ops);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`probe as ${user.name} timed out\n${err}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`probe as ${user.name} exited ${String(code)}\n${err}`));
        return;
      }
      resolve(JSON.parse(out) as ProbeResult[]);
    });
  });
}

export interface ServerAs {
  readonly port: number | null;
  stop(): Promise<void>;
}

/**
 * Starts, as `user`, either a fake engine on a Unix socket (`serve-unix`, logging what it receives to
 * `log`) or an HTTP server holding a loopback port (`serve-tcp`); resolves once it listens.
 */
export function serveAs(
  user: LocalUser,
  probe: string,
  spec: { readonly mode: 'serve-unix'; readonly path: string; readonly log: string } | { readonly mode: 'serve-tcp' },
): Promise<ServerAs> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(user, probe, spec.mode, spec);
    let out = '';
    let err = '';
    const exited = new Promise<void>((r) => {
      child.once('exit', () => {
        r();
      });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server as ${user.name} did not start\n${err}`));
    }, 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      const ready = JSON.parse(out.slice(0, nl)) as { port?: number };
      resolve({
        port: ready.port ?? null,
        async stop() {
          child.kill('SIGKILL');
          await exited;
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server as ${user.name} exited before listening\n${err}`));
    });
  });
}
