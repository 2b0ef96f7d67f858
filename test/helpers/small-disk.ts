import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Mounts a tmpfs of `kib` KiB at `dir` to fill up (a real ENOSPC): null when mounted, else why not —
 * it needs Linux, root and a kernel that lets this container mount (not every one does).
 */
export function tryMountTmpfs(dir: string, kib: number): string | null {
  if (process.platform !== 'linux') return 'tmpfs mounts are Linux only';
  if (process.getuid?.() !== 0) return 'not running as root: cannot mount a tmpfs';
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount -t tmpfs failed: ${r.stderr.trim()}`;
}
