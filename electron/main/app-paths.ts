import path from 'node:path';
import { fileURLToPath } from 'node:url';

// This module runs from dist/electron/main/ (tsc output), in a build and inside the packaged app's asar:
// three folders up is the package root, where dist/ and build/ sit (electron-builder.yml `files`).
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

/** Where the app finds its parts (docs/desktop-app.md, "Build output"). */
export const APP_PATHS = {
  /** The built renderer (npm run build:renderer), served as app://renderer/. */
  renderer: path.join(ROOT, 'dist', 'renderer'),
  /** The sandboxed preload, bundled to one CommonJS file (npm run build:app). */
  preload: path.join(ROOT, 'dist', 'app', 'preload.cjs'),
  /** The engine's utility process entry. */
  engineEntry: path.join(HERE, 'engine-utility.js'),
  icons: path.join(ROOT, 'build', 'icons'),
} as const;
