import { exitStatusOf, runInPty } from '../../../native/pty/run-in-pty.ts';
import type { PtyExit } from '../../../native/pty/run-in-pty.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { guessAgent } from '../run/agent-guess.ts';
import { findCommand } from '../run/find-command.ts';
import { parseRunArgs, RUN_USAGE } from '../run/run-args.ts';
import { newTerminalId } from '../run/terminal-id.ts';
import { TerminalStream } from '../run/terminal-stream.ts';

/** How long the wrapper waits, after the child exited, for the engine to confirm the recording's end. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * `aev run -- CMD ARGS…`: runs the agent in a pseudo-terminal, passing keys, output, resizes, signals and
 * the exit status through unchanged, and streams the session to the engine as asciicast v2 events
 * (DESIGN.md §4). The child starts at once whatever the engine does (invariant I7); hook events from the
 * agent name this terminal through AEV_TERMINAL_ID. Exits with the child's status (128+N for signal N).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseRunArgs(argv);
  if (parsed.kind === 'help') {
    writeLine(io.stdout, RUN_USAGE);
    return 0;
  }
  const lookup = findCommand(parsed.command, io.env, io.cwd);
  if (!lookup.found) {
    writeLine(io.stderr, `aev: cannot run ${parsed.command}: ${lookup.reason}`);
    return lookup.status;
  }

  const terminalId = parsed.record ? newTerminalId() : undefined;
  const stream =
    terminalId === undefined
      ? undefined
      : new TerminalStream({
          socketPath: runtimePaths(resolveDataRoot(io.env)).socketPath,
          terminal: {
            terminalId,
            agent: guessAgent(parsed.command),
            command: [parsed.command, ...parsed.args],
            recordInput: parsed.recordInput,
          },
          warn: (line) => {
            writeLine(io.stderr, line);
          },
        });
  // Connecting runs beside the child: an absent or slow engine never delays the agent's start.
  stream?.start();

  let exit: PtyExit;
  try {
    exit = await runInPty({
      command: parsed.command,
      args: parsed.args,
      cwd: io.cwd,
      env: terminalId === undefined ? io.env : { ...io.env, AEV_TERMINAL_ID: terminalId },
      recordInput: parsed.recordInput,
      onEvent: (event) => {
        stream?.accept(event);
      },
      stdin: io.stdin,
      stdout: io.stdout,
    });
  } catch (error) {
    stream?.abandon();
    writeLine(
      io.stderr,
      `aev: cannot run ${parsed.command}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 127;
  }
  await stream?.finish(exit, CLOSE_TIMEOUT_MS);
  return exitStatusOf(exit);
}
