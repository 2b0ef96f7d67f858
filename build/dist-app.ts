import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the packaged app is made of, relative to the repository (built by `npm run build:app`). */
export const STAGED_PATHS = [
  'dist/electron',
  'dist/native',
  'dist/renderer',
  'dist/app',
  'bin/aev.js',
  'bin/package.json',
  'dist/hook',
  'build/icons',
  'build/tsa-trust',
  'build/entitlements.mac.plist',
  'package-lock.json',
] as const;

interface PackageJson {
  readonly [key: string]: unknown;
}

/**
 * Copies the built app into `stageDir`, a project of its own with a package.json that lists only the
 * runtime dependencies (and the lock file, so their versions stay the ones tested). electron-builder runs
 * there: it installs those dependencies for Electron and rebuilds their native parts for Electron's ABI
 * in the staged node_modules, leaving this repository's node_modules built for Node (CLI and tests).
 * Source maps and declaration files are left out.
 */
export function stageApp(root: string, stageDir: string): void {
  fs.rmSync(stageDir, { recursive: true, force: true });
  fs.mkdirSync(stageDir, { recursive: true });
  for (const rel of STAGED_PATHS) {
    const from = path.join(root, rel);
    if (!fs.existsSync(from)) throw new Error(`${rel} is missing: run npm run build:app first`);
    fs.cpSync(from, path.join(stageDir, rel), {
      recursive: true,
      filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') && !src.endsWith('.tsbuildinfo'),
    });
  }
  // Copies keep their source's times: the hook bundle is stamped now, so it is not older than the modules
  // it was made from, which would make bin/aev.js pass it over (build/build-hook.ts).
  const now = new Date();
  fs.utimesSync(path.join(stageDir, 'dist', 'hook', 'aev-hook.cjs'), now, now);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const staged: PackageJson = {
    name: pkg.name,
    productName: 'Agent Evidence',
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    private: true,
    type: pkg.type,
    main: pkg.main,
    author: { name: 'Agent Evidence', email: 'maintainers@agent-evidence.invalid' },
    dependencies: pkg.dependencies,
    optionalDependencies: pkg.optionalDependencies,
  };
  fs.writeFileSync(path.join(stageDir, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
}

/** The Electron version installed here (node_modules/electron), which the packaged app must use. */
export function installedElectronVersion(root: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Outside the repository, so nothing walks up into its node_modules while rebuilding.
  const stageDir = path.join(os.tmpdir(), `agent-evidence-stage-${String(process.getuid?.() ?? 0)}`);
  stageApp(ROOT, stageDir);
  const builder = path.join(
    ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder',
  );
  const args = [
    '--projectDir',
    stageDir,
    '--config',
    path.join(ROOT, 'build', 'electron-builder.yml'),
    `-c.electronVersion=${installedElectronVersion(ROOT)}`,
    `-c.directories.output=${path.join(ROOT, 'dist', 'packages')}`,
    ...process.argv.slice(2),
  ];
  const r = spawnSync(builder, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = r.status ?? 1;
}
