import { randomBytes } from 'node:crypto';
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
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
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

async function writeAll(handle: fs.FileHandle, pieces: readonly Buffer[]): Promise<void> {
  let rest = pieces.filter((p) => p.length > 0);
  while (rest.length > 0) {
    // writev(2) may write less than asked (signals, some network file systems): go on from there. At
    // most IOV_MAX/2 pieces a call (IOV_MAX is 1024 on Linux and macOS).
    const { bytesWritten } = await handle.writev(rest.slice(0, 512));
    if (bytesWritten <= 0)
      throw new AevError('E_IO', 'the file system took no bytes of a write', { pieces: rest.length });
    let left = bytesWritten;
    let i = 0;
    for (; i < rest.length && left >= (rest[i]?.length ?? 0); i++) left -= rest[i]?.length ?? 0;
    rest = rest.slice(i);
    if (left > 0 && rest[0] !== undefined) rest[0] = rest[0].subarray(left);
  }
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
