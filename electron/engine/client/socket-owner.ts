import fs from 'node:fs';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';

/**
 * Before a client hands anything to the engine: the socket and the folder it is in must be ours and
 * private (docs/threat-model.md). When a long data root moves the runtime folder to the shared temp
 * dir, another local user could have created that folder first and be listening there; the engine
 * refuses such a folder, and so must every client, or it would give its payload to that user.
 * Windows named pipes are protected by their DACL instead.
 */
export function checkSocketIsOurs(socketPath: string): void {
  if (process.platform === 'win32' || process.getuid === undefined) return;
  const uid = process.getuid();
  const dir = path.dirname(socketPath);
  let dirStat: fs.Stats;
  let sockStat: fs.Stats;
  try {
    dirStat = fs.lstatSync(dir);
    sockStat = fs.lstatSync(socketPath);
  } catch {
    return; // nothing there: connecting fails with the usual "not running"
  }
  if (!dirStat.isDirectory() || dirStat.uid !== uid || (dirStat.mode & 0o077) !== 0)
    throw new AevError(
      'E_PERMISSIONS',
      `refusing to connect: ${dir} is not a private folder of this user (owner uid ${String(dirStat.uid)}, mode ${(dirStat.mode & 0o777).toString(8)})`,
    );
  if (!sockStat.isSocket() || sockStat.uid !== uid)
    throw new AevError(
      'E_PERMISSIONS',
      `refusing to connect: ${socketPath} is not this user's socket (owner uid ${String(sockStat.uid)})`,
    );
}
