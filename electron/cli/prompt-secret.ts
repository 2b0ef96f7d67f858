import { AevError } from '../common/errors.ts';
import type { CliIo } from './cli-io.ts';

/** Reads one line from a terminal without echoing it. Ctrl-C aborts with null. */
export function promptSecret(io: CliIo, question: string): Promise<string | null> {
  const stdin: CliIo['stdin'] & { setRawMode?: (raw: boolean) => unknown } = io.stdin;
  const setRaw = (raw: boolean): void => {
    stdin.setRawMode?.(raw);
  };
  return new Promise((resolve) => {
    io.stderr.write(question);
    let value = '';
    setRaw(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done(value);
          return;
        }
        if (ch === '\u0003') {
          done(null);
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    function done(result: string | null): void {
      stdin.off('data', onData);
      setRaw(false);
      stdin.pause();
      io.stderr.write('\n');
      resolve(result);
    }
    stdin.on('data', onData);
  });
}

/** Asks twice for a new recovery passphrase; null when the user gives up (Ctrl-C). */
export async function askNewPassphrase(io: CliIo): Promise<string | null> {
  const first = await promptSecret(io, 'Choose a recovery passphrase (at least 12 characters): ');
  if (first === null) return null;
  if (first.length < 12) throw new AevError('E_USAGE', 'the passphrase is shorter than 12 characters');
  const second = await promptSecret(io, 'Type it again: ');
  if (second !== first) throw new AevError('E_USAGE', 'the passphrases differ; nothing was created');
  return first;
}

export function isTerminal(io: CliIo): boolean {
  return (io.stdin as { isTTY?: boolean }).isTTY === true;
}
