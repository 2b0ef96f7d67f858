import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_OUT_DIR = path.join(ROOT, 'dist', 'app');

/**
 * The one part of the desktop app tsc cannot emit as it runs: the preload. Sandboxed preloads are
 * loaded by Electron's renderer-side loader, which takes neither ES modules nor `require` of other files
 * (Electron docs, "ES Modules in Electron" and "Process Sandboxing"), so the preload and what it uses of
 * electron/common become one CommonJS file, with `electron` left to the sandbox's own `require`.
 * Main and the engine's utility process run tsc's ES-module output in dist/electron (Electron ≥ 28).
 */
export async function buildPreload(outDir = APP_OUT_DIR): Promise<string> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      // Electron 45 is Chromium 140.
      target: 'chrome140',
      minify: false,
      sourcemap: false,
      lib: {
        entry: path.join(ROOT, 'electron', 'preload', 'preload.ts'),
        formats: ['cjs'],
        fileName: () => 'preload.cjs',
      },
      rolldownOptions: { external: ['electron'] },
    },
  });
  return path.join(outDir, 'preload.cjs');
}

/** What `npm run build:app` must leave behind for Electron to start (docs/desktop-app.md). */
export const APP_ENTRY_FILES = [
  'dist/electron/main/app-main.js',
  'dist/electron/main/engine-utility.js',
  'dist/app/preload.cjs',
  'dist/renderer/index.html',
] as const;

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildPreload();
  const missing = APP_ENTRY_FILES.filter((f) => !fs.existsSync(path.join(ROOT, f)));
  if (missing.length > 0) {
    process.stderr.write(`build:app: missing ${missing.join(', ')} (run tsc -b and build:renderer first)\n`);
    process.exitCode = 1;
  }
}
