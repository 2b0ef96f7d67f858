import fs from 'node:fs';
import { AevError } from '../../common/errors.ts';

export interface LockInfo {
  readonly pid: number;
  readonly startedAt: string;
}

export interface DaemonLock {
  /** True when the previous holder died without releasing the lock (an unclean stop). */
  readonly tookOverStale: boolean;
  readonly previous: LockInfo | null;
  release(): void;
}

/**
 * One engine per data root. The lock file is created exclusively and holds the owner's pid; a lock
 * whose process is gone is stale and is taken over (and reported, since it means an unclean stop).
 */
export function acquireDaemonLock(lockPath: string, now: () => number): DaemonLock {
  const info: LockInfo = { pid: process.pid, startedAt: new Date(now()).toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(info));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return makeLock(lockPath, false, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AevError('E_IO', `cannot create the lock file ${lockPath}`, { lockPath }, { cause: error });
      }
    }
    const holder = readLock(lockPath);
    if (holder !== null && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new AevError(
        'E_DAEMON_LOCKED',
        `another aev engine (pid ${holder.pid}, started ${holder.startedAt}) already uses this data root; lock: ${lockPath}`,
        { pid: holder.pid, lockPath },
      );
    }
    // Stale: the holder is gone. Replace atomically so a racing starter sees either file, never none.
    const tmp = `${lockPath}.${String(process.pid)}`;
    fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    fs.renameSync(tmp, lockPath);
    const check = readLock(lockPath);
    if (check?.pid === process.pid) return makeLock(lockPath, true, holder);
  }
  throw new AevError('E_DAEMON_LOCKED', `could not take the lock ${lockPath}: another engine is starting`);
}

export function readLock(lockPath: string): LockInfo | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.startedAt !== 'string') return null;
    return { pid: parsed.pid, startedAt: parsed.startedAt };
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function makeLock(lockPath: string, tookOverStale: boolean, previous: LockInfo | null): DaemonLock {
  let released = false;
  return {
    tookOverStale,
    previous,
    release() {
      if (released) return;
      released = true;
      const holder = readLock(lockPath);
      if (holder?.pid === process.pid) fs.rmSync(lockPath, { force: true });
    },
  };
}
