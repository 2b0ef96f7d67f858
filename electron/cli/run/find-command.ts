import fs from 'node:fs';
import path from 'node:path';

export type CommandLookup =
  | { readonly found: true }
  /** Shell statuses: 127 nothing by that name, 126 found but not an executable file (POSIX.1 XCU §2.8.2). */
  | { readonly found: false; readonly status: 126 | 127; readonly reason: string };

/** execvp's search path when PATH is unset (glibc's default). */
const DEFAULT_PATH = '/bin:/usr/bin';

/**
 * Looks `command` up as execvp(3) will in the PTY child: a name with a slash is a path from `cwd`, any
 * other is searched along PATH (an empty entry is the current folder). node-pty reports a failed exec
 * only as output and exit status 1, so the wrapper checks first to fail like a shell (127 / 126). On
 * Windows the PTY layer resolves the command itself (PATHEXT and all), so nothing is checked here.
 */
export function findCommand(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  platform: NodeJS.Platform = process.platform,
): CommandLookup {
  if (platform === 'win32') return { found: true };
  const candidates = command.includes('/')
    ? [path.resolve(cwd, command)]
    : (env.PATH ?? DEFAULT_PATH).split(':').map((dir) => path.resolve(cwd, dir, command));
  let sawUnusable = false;
  for (const candidate of candidates) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(candidate);
    } catch {
      continue;
    }
    if (!stat.isFile()) {
      sawUnusable = true;
      continue;
    }
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return { found: true };
    } catch {
      sawUnusable = true;
    }
  }
  return sawUnusable
    ? { found: false, status: 126, reason: 'permission denied (not an executable file)' }
    : { found: false, status: 127, reason: 'command not found' };
}
