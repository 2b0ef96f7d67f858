import { AevError } from '../../common/errors.ts';

export const RUN_USAGE = 'usage: aev run [--record-input] [--no-record] -- COMMAND [ARGS…]';

export type RunArgs =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'run';
      /** Keystrokes as "i" events; off by default (DESIGN.md §4: they can hold passwords and tokens). */
      readonly recordInput: boolean;
      /** false with --no-record: the command runs in the PTY and nothing is sent to the engine. */
      readonly record: boolean;
      readonly command: string;
      readonly args: readonly string[];
    };

/**
 * `aev run`'s own options come first; everything after `--`, or from the first word that is not an
 * option, is the command and its arguments, untouched (as with `env`, `nohup`, `time`), so an agent's
 * own options never reach this parser.
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  let recordInput = false;
  let record = true;
  let commandLine: readonly string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      commandLine = argv.slice(i + 1);
      break;
    }
    if (arg === '--record-input') recordInput = true;
    else if (arg === '--no-record') record = false;
    else if (arg === '--help' || arg === '-h') return { kind: 'help' };
    else if (arg.startsWith('-')) throw usageError(`unknown option ${JSON.stringify(arg)}`);
    else {
      commandLine = argv.slice(i);
      break;
    }
  }
  const [command, ...args] = commandLine;
  if (command === undefined) throw usageError('no command to run');
  if (command === '') throw usageError('the command is an empty string');
  if (recordInput && !record) throw usageError('--record-input and --no-record contradict each other');
  return { kind: 'run', recordInput, record, command, args };
}

function usageError(problem: string): AevError {
  return new AevError('E_USAGE', `${problem}; ${RUN_USAGE}`);
}
