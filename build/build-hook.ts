import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where bin/aev.js looks for it (keep the two in step). */
export const HOOK_BUNDLE = path.join(ROOT, 'dist', 'hook', 'aev-hook.cjs');

/**
 * `aev hook` as one CommonJS file: the agent starts the hook on every tool call, and Node loads one
 * CommonJS file faster than it resolves, loads and links the ES module graph of the same code (the
 * command, the endpoint client and what they import: ~14 modules, measured ~10–15 ms on the reference
 * machine, docs/performance.md "aev hook"). Only Node built-ins stay outside; the hook imports no
 * package, and the build fails if that ever changes rather than bundling one in silently.
 */
export async function buildHookBundle(outFile = HOOK_BUNDLE): Promise<string> {
  // Built beside its place (same file system, so the rename below is atomic), even before dist/ exists.
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const tmpDir = fs.mkdtempSync(`${path.dirname(outFile)}-tmp-`);
  try {
    const moduleIds: string[] = [];
    await build({
      configFile: false,
      root: ROOT,
      logLevel: 'warn',
      build: {
        outDir: tmpDir,
        emptyOutDir: true,
        ssr: path.join(ROOT, 'electron', 'cli', 'hook-main.ts'),
        target: 'node22',
        minify: false,
        sourcemap: false,
        rolldownOptions: {
          external: (id: string) => id.startsWith('node:'),
          output: { format: 'cjs', entryFileNames: 'aev-hook.cjs' },
          plugins: [
            {
              name: 'aev-hook-inputs',
              generateBundle(_options, bundle) {
                for (const chunk of Object.values(bundle))
                  if (chunk.type === 'chunk') moduleIds.push(...chunk.moduleIds);
              },
            },
          ],
        },
      },
      ssr: { noExternal: true },
    });
    const built = path.join(tmpDir, 'aev-hook.cjs');
    let code = fs.readFileSync(built, 'utf8');
    const foreign = [...code.matchAll(/require\(["']([^"']+)["']\)/g)]
      .map((m) => m[1])
      .filter((id) => !id?.startsWith('node:'));
    if (foreign.length > 0) throw new Error(`the hook bundle requires packages: ${foreign.join(', ')}`);
    // bin/aev.js runs the bundle only while none of these compiled files is newer than it: after a bare
    // `tsc -b` the hook runs from dist/electron as it is, never from a bundle of older sources.
    code += `exports.builtFrom = ${JSON.stringify(compiledInputs(moduleIds))};\n`;
    fs.writeFileSync(built, code);
    // Renamed into place so a hook starting meanwhile never reads half a file.
    fs.renameSync(built, outFile);
    return outFile;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** The tsc outputs (relative to the package folder) of the sources that went into the bundle. */
function compiledInputs(moduleIds: readonly string[]): string[] {
  const sources = moduleIds.filter((id) => path.isAbsolute(id) && id.endsWith('.ts') && !id.includes('node_modules'));
  if (sources.length === 0) throw new Error('the hook bundle lists none of its sources');
  return sources
    .map((id) => path.relative(ROOT, id).replace(/\.ts$/, '.js'))
    .map((rel) => ['dist', ...rel.split(path.sep)].join('/'))
    .sort();
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildHookBundle();
  process.stdout.write(`aev hook bundle: ${path.relative(ROOT, out)}\n`);
}
