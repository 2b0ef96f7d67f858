import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build } from 'vite';

const RENDERER = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_OUT_DIR = path.resolve(RENDERER, '../dist/renderer');
/** The pages: the app, and the hidden screen-capture page (DESIGN.md §4). */
const PAGES = { main: 'index.html', capture: 'capture/index.html' } as const;
export type RendererPage = keyof typeof PAGES;

/**
 * `vite build` of the renderer with the config inline (no vite.config file: the project has no default
 * exports), so `npm run build:renderer` and the UI tests build it the same way.
 */
export async function buildRenderer(
  outDir = RENDERER_OUT_DIR,
  pages: readonly RendererPage[] = ['main', 'capture'],
): Promise<void> {
  await build({
    configFile: false,
    root: RENDERER,
    // Relative asset URLs: the page works from the loopback bridge and, later, from a file:// window.
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      target: 'es2023',
      rolldownOptions: { input: Object.fromEntries(pages.map((p) => [p, path.join(RENDERER, PAGES[p])])) },
    },
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `[outDir [page...]]`: a test can build one page into a folder of its own.
  const [outDir, ...pages] = process.argv.slice(2);
  const known = pages.filter((p): p is RendererPage => p in PAGES);
  if (known.length !== pages.length) throw new Error(`unknown page in ${pages.join(' ')}; pages: main, capture`);
  await buildRenderer(
    outDir === undefined ? RENDERER_OUT_DIR : path.resolve(outDir),
    known.length > 0 ? known : undefined,
  );
}
