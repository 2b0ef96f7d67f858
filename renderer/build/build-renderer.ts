import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build } from 'vite';

const RENDERER = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_OUT_DIR = path.resolve(RENDERER, '../dist/renderer');

/**
 * `vite build` of the renderer with the config inline (no vite.config file: the project has no default
 * exports), so `npm run build:renderer` and the UI tests build it the same way.
 */
export async function buildRenderer(outDir = RENDERER_OUT_DIR): Promise<void> {
  await build({
    configFile: false,
    root: RENDERER,
    // Relative asset URLs: the page works from the loopback bridge and, later, from a file:// window.
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: true, target: 'es2023' },
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildRenderer();
}
