import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { controlRequest } from '../../engine/client/control-request.ts';

/** `aev pause --reason TEXT`: recording pauses; on resume every open session gets a signed gap record. */
export async function runPause(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { reason: { type: 'string' } }, strict: true });
  if (values.reason === undefined || values.reason.trim() === '')
    throw new AevError('E_USAGE', 'usage: aev pause --reason TEXT (the reason goes on record)');
  const r = (await controlRequest(runtimePaths(resolveDataRoot(io.env)).socketPath, 'recording.pause', {
    reason: values.reason,
  })) as { since: string };
  writeLine(
    io.stdout,
    `aev: paused since ${r.since}. Fail-closed hooks now deny tool calls. \`aev resume\` records the gap.`,
  );
  return 0;
}

/** `aev resume`. */
export async function runResume(argv: string[], io: CliIo): Promise<number> {
  parseArgs({ args: argv, options: {}, strict: true });
  const r = (await controlRequest(runtimePaths(resolveDataRoot(io.env)).socketPath, 'recording.resume', {})) as {
    gaps: number;
  };
  writeLine(io.stdout, `aev: recording; the pause is on record as a signed gap in ${r.gaps} open session(s).`);
  return 0;
}
