#!/usr/bin/env node
// Launcher for the `aev` command. Runs the compiled CLI from dist/ when it exists (fast start-up,
// which matters for `aev hook`), else the TypeScript sources directly (Node >= 22.18 strips types).
// AEV_FROM_SOURCE=1 forces the sources: the test suite uses it so it never runs a stale build.
//
// CommonJS (bin/package.json), not an ES module like the rest: the agent starts `aev hook` on every
// tool call, and a CommonJS entry that `require`s the hook's one-file build (build/build-hook.ts, made
// by `npm run build`) starts ~5 ms sooner than an ES module entry and ~15 ms sooner than the hook's
// ES module graph (docs/performance.md, "aev hook").
'use strict';
const { existsSync, statSync } = require('node:fs');
const nodeModule = require('node:module');
const path = require('node:path');

// Cache compiled bytecode between runs (Node >= 22.1).
nodeModule.enableCompileCache?.();

const args = process.argv.slice(2);
const fromSource = process.env.AEV_FROM_SOURCE === '1';
const hookBundle = path.join(__dirname, '..', 'dist', 'hook', 'aev-hook.cjs');

/** @param {Promise<number>} exitCode */
function finish(exitCode) {
  exitCode.then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`aev: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * The hook's one-file build, unless a compiled module it was made from is newer than it (a bare `tsc -b`
 * after an edit): then the modules themselves run, never a bundle of older sources.
 * @returns {{ runHook(argv: string[]): Promise<number>, builtFrom: string[] } | undefined}
 */
function freshHookBundle() {
  if (fromSource || !existsSync(hookBundle)) return undefined;
  try {
    const bundle = require(hookBundle);
    // A bundle that does not say what it was made from (damaged, or from another build) is not used.
    if (typeof bundle.runHook !== 'function' || !Array.isArray(bundle.builtFrom)) return undefined;
    const builtAt = statSync(hookBundle).mtimeMs;
    const root = path.join(__dirname, '..');
    const stale = bundle.builtFrom.some(
      (rel) => (statSync(path.join(root, String(rel)), { throwIfNoEntry: false })?.mtimeMs ?? 0) > builtAt,
    );
    return stale ? undefined : bundle;
  } catch {
    // Never a stack trace for the agent: the module graph below does the same work, only slower.
    return undefined;
  }
}

const hook = args[0] === 'hook' ? freshHookBundle() : undefined;
if (hook !== undefined) {
  finish(hook.runHook(args.slice(1)));
} else {
  const { pathToFileURL } = require('node:url');
  const dist = path.join(__dirname, '..', 'dist', 'electron', 'cli', 'main.js');
  const source = path.join(__dirname, '..', 'electron', 'cli', 'main.ts');
  const entry = fromSource || !existsSync(dist) ? source : dist;
  finish(import(pathToFileURL(entry).href).then(({ main }) => main(args)));
}
