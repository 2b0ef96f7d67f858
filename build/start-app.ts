// `npm start`: the desktop app when Electron is installed, else the headless engine with one line that
// says why. The app runs from an unpacked electron-builder build (`node build/dist-app.ts --dir`), whose
// native modules are rebuilt for Electron's ABI in a staged copy: running `electron .` here would load
// better-sqlite3 built for Node and fail (docs/desktop-app.md, "Packaging").
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Electron binary npm installed, or null (ELECTRON_SKIP_BINARY_DOWNLOAD, no network at install). */
export function installedElectronBinary(root: string): string | null {
  const dir = path.join(root, 'node_modules', 'electron');
  try {
    const rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const bin = path.join(dir, 'dist', rel);
    return rel !== '' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** The app's executable inside electron-builder's unpacked output (`--dir`) for this platform. */
export function unpackedExecutable(packages: string, platform: NodeJS.Platform): string | null {
  if (!fs.existsSync(packages)) return null;
  // linux-unpacked/agent-evidence, win-unpacked/Agent Evidence.exe, mac[-arm64]/Agent Evidence.app/…
  const inside =
    platform === 'darwin'
      ? path.join('Agent Evidence.app', 'Contents', 'MacOS', 'Agent Evidence')
      : platform === 'win32'
        ? 'Agent Evidence.exe'
        : 'agent-evidence';
  const exe = fs
    .readdirSync(packages)
    .map((dir) => path.join(packages, dir, inside))
    .find((candidate) => fs.existsSync(candidate));
  return exe ?? null;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Replaces this process with `child` as far as the terminal can tell: signals forwarded, same exit code. */
function become(cmd: string, args: string[]): void {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === null ? 1 : 128 + 15));
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (installedElectronBinary(ROOT) === null) {
    process.stderr.write(
      'aev: the Electron binary is not installed here (npm ci downloads it unless ELECTRON_SKIP_BINARY_DOWNLOAD ' +
        'is set or there is no network); running the headless engine instead: aev daemon\n',
    );
    become(process.execPath, [path.join(ROOT, 'bin', 'aev.js'), 'daemon']);
  } else {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    run(npm, ['run', 'build:app']);
    run(process.execPath, [path.join(ROOT, 'build', 'dist-app.ts'), '--dir']);
    const exe = unpackedExecutable(path.join(ROOT, 'dist', 'packages'), process.platform);
    if (exe === null) {
      process.stderr.write('aev: the unpacked app was not found under dist/packages after the build\n');
      process.exit(1);
    }
    become(exe, []);
  }
}
