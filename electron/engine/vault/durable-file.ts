import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';

/**
 * Writes a 0600 file so that after a crash it is either the old content or the new, never a torn mix:
 * a uniquely named temp file beside it, fsync, rename over, then fsync the folder so the rename itself
 * is on disk (POSIX rename(2) is atomic; its durability needs the directory synced). `data` may come in
 * pieces (one gathered write, no copy into one buffer first).
 */
export async function writeDurableFile(file: string, data: Buffer | readonly Buffer[]): Promise<void> {
  const dir = path.dirname(file);
  const tmp = tempPathFor(file);
  try {
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      if (Buffer.isBuffer(data)) await handle.writeFile(data);
      else await writeAll(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (cause) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw fsError(cause, 'write', file);
  }
  await syncDir(dir);
}

/**
 * The same as `writeDurableFile`, blocking the calling thread: for a worker thread, where one direct
 * system call is cheaper than a trip to libuv's thread pool and blocking stalls nobody else
 * (object-worker.ts). The file itself is flushed with fdatasync(2): it writes the data and the metadata
 * needed to read it back (size, block map), which for a new file is all of it; the name is made durable
 * by the folder's fsync after the rename, as above.
 */
export function writeDurableFileSync(file: string, pieces: readonly Buffer[]): void {
  const dir = path.dirname(file);
  const tmp = tempPathFor(file);
  try {
    const fd = fsSync.openSync(tmp, 'wx', 0o600);
    try {
      let rest = pieces.filter((p) => p.length > 0);
      while (rest.length > 0) rest = afterWrite(rest, fsSync.writevSync(fd, rest.slice(0, WRITEV_PIECES)));
      fsSync.fdatasyncSync(fd);
    } finally {
      fsSync.closeSync(fd);
    }
    fsSync.renameSync(tmp, file);
  } catch (cause) {
    fsSync.rmSync(tmp, { force: true });
    throw fsError(cause, 'write', file);
  }
  if (process.platform === 'win32') return;
  const dirFd = fsSync.openSync(dir, 'r');
  try {
    fsSync.fsyncSync(dirFd);
  } finally {
    fsSync.closeSync(dirFd);
  }
}

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

// writev(2) takes at most IOV_MAX pieces (1024 on Linux and macOS): half of that a call.
const WRITEV_PIECES = 512;

async function writeAll(handle: fs.FileHandle, pieces: readonly Buffer[]): Promise<void> {
  let rest = pieces.filter((p) => p.length > 0);
  while (rest.length > 0) rest = afterWrite(rest, (await handle.writev(rest.slice(0, WRITEV_PIECES))).bytesWritten);
}

/**
 * What is left of `rest` once `bytesWritten` of it are written: writev(2) may write less than asked
 * (signals, some network file systems), and the write goes on from there.
 */
function afterWrite(rest: Buffer[], bytesWritten: number): Buffer[] {
  if (bytesWritten <= 0)
    throw new AevError('E_IO', 'the file system took no bytes of a write', { pieces: rest.length });
  let left = bytesWritten;
  let i = 0;
  for (; i < rest.length && left >= (rest[i]?.length ?? 0); i++) left -= rest[i]?.length ?? 0;
  const next = rest.slice(i);
  if (left > 0 && next[0] !== undefined) next[0] = next[0].subarray(left);
  return next;
}

/** Removes a file (absent is fine) and makes the removal durable. */
export async function removeDurableFile(file: string): Promise<void> {
  try {
    await fs.rm(file, { force: true });
  } catch (cause) {
    throw fsError(cause, 'delete', file);
  }
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Maps a Node file-system error to a coded one, keeping the path and never the data. */
export function fsError(cause: unknown, what: string, file: string): AevError {
  if (cause instanceof AevError) return cause;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AevError('E_DISK_FULL', `cannot ${what} ${file}: the disk is full`, { file }, { cause });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AevError('E_PERMISSIONS', `cannot ${what} ${file}: permission denied`, { file }, { cause });
  }
  return new AevError('E_IO', `cannot ${what} ${file}: ${code ?? String(cause)}`, { file }, { cause });
}
