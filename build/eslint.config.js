// Lint is part of the build: strict, type-aware, and the layer table of DESIGN.md §3 as import zones.
// Every rule here is an error; `npm run lint` passes --max-warnings 0.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint-layers.js';
import prettier from 'eslint-config-prettier';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Who may import whom (DESIGN.md §3). A layer missing from a `from` list may not be imported.
const layers = {
  'electron/common': [],
  native: ['electron/common'],
  'electron/engine': ['electron/common', 'native'],
  'electron/cli': ['electron/engine', 'electron/common', 'native'],
  'electron/main': ['electron/engine', 'electron/common', 'native'],
  'electron/preload': ['electron/common'],
  renderer: ['electron/common'],
};
const noElectron = {
  paths: [{ name: 'electron', message: 'Only electron/main and electron/preload may import electron.' }],
  patterns: [{ group: ['electron/*'], message: 'Only electron/main and electron/preload may import electron.' }],
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'renderer/dist/**', 'test-results/**', 'bench/results/**', 'bin/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    plugins: { layers: layersPlugin(root, layers) },
    rules: {
      'layers/allowed-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'No default exports (STYLE.md).' },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['electron/common/**', 'native/**', 'electron/engine/**', 'electron/cli/**', 'renderer/**'],
    rules: { 'no-restricted-imports': ['error', noElectron] },
  },
  {
    // The renderer sees the engine's world only as types (DESIGN.md §3): no runtime import from electron/.
    files: ['renderer/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/electron/**'],
              allowTypeImports: true,
              message: 'renderer imports common as `import type` only.',
            },
          ],
        },
      ],
    },
  },
  {
    // A sandboxed preload can require nothing but a few Electron modules: no Node built-ins (its bundle
    // would not load), and only the contract from electron/common (docs/desktop-app.md).
    files: ['electron/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:|(fs|path|os|child_process|net|http|https|crypto|url|util|stream|worker_threads)(/|$))',
              message: 'The preload runs sandboxed: no Node modules.',
            },
          ],
        },
      ],
    },
  },
  {
    // One IPC handler (GitHub Desktop's pattern): raw ipcMain only where the sender check and validation are.
    files: ['electron/main/**'],
    ignores: ['electron/main/app-ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain'],
              message: 'Renderer calls go through electron/main/app-ipc.ts (sender check + zod), nowhere else.',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI and benches talk to people on stdout/stderr on purpose.
    files: ['electron/cli/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['build/**/*.js', 'build/**/*.ts', 'bin/**'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['build/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  prettier,
);
