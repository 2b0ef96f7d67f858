import fs from 'node:fs';
import { AevError } from '../../common/errors.ts';

/**
 * Creates (or checks) a folder only its owner can enter: 0700 and owned by us. An existing folder with
 * wider permissions is tightened; one owned by somebody else is refused, since they could swap our
 * socket or token under us.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new AevError('E_PERMISSIONS', `${dir} is not a folder`, { dir });
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new AevError('E_PERMISSIONS', `${dir} belongs to another user (uid ${st.uid}); refusing to use it`, { dir });
  }
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Writes a small private file atomically (tmp + fsync + rename), mode 0600. */
export function writePrivateFile(file: string, data: string | Buffer): void {
  const tmp = `${file}.${String(process.pid)}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
