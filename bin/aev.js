#!/usr/bin/env node
// Launcher for the `aev` command. Runs the compiled CLI from dist/ when it exists (fast start-up,
// which matters for `aev hook`), else the TypeScript sources directly (Node >= 22.18 strips types).
// AEV_FROM_SOURCE=1 forces the sources: the test suite uses it so it never runs a stale build.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Cache compiled bytecode between runs (Node >= 22.1): `aev hook` starts on every tool call.
module.enableCompileCache?.();

const dist = new URL('../dist/electron/cli/main.js', import.meta.url);
const source = new URL('../electron/cli/main.ts', import.meta.url);
const entry = process.env.AEV_FROM_SOURCE === '1' || !existsSync(dist) ? source : dist;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
