import { AevError } from '../../common/errors.ts';
import type { CliIo } from '../cli-io.ts';

/** `aev tsa <subcommand>`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'verify-token') return (await import('./tsa-verify-token.ts')).run(rest, io);
  throw new AevError(
    'E_USAGE',
    'usage: aev tsa verify-token (--data FILE | --digest HEX) --token FILE --trust PEM [--untrusted PEM] [--token-only] [--json]',
  );
}
