import { processIo } from './cli-io.ts';
import { run } from './commands/hook.ts';

/**
 * `aev hook` on its own: the entry of the one-file CommonJS build (build/build-hook.ts) that
 * bin/aev.js runs for `aev hook`. The agent starts it on every tool call, and loading one CommonJS
 * file costs a fraction of resolving and linking the ES module graph (docs/performance.md, "aev hook").
 */
export function runHook(argv: string[]): Promise<number> {
  return run(argv, processIo());
}
