import { AevError } from '../../common/errors.ts';
import type { CliIo } from '../cli-io.ts';

export const REQUEST_USAGE = `usage: aev request create --session ID (--from ISO --to ISO | --from-tool ID --to-tool ID)
                          --reason TEXT --recipient AGE_PUBKEY --out FILE [--expires-in 7d] [--json]
       aev request review FILE [--approve | --deny --reason TEXT] [--out BUNDLE]
                          [--trust-requester ALLOWED_SIGNERS] [--trust PEM] [--json]`;

/** `aev request create|review`: signed clip requests (docs/requests-and-access-log.md). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create':
      return (await import('./request-create.ts')).runCreate(rest, io);
    case 'review':
      return (await import('./request-review.ts')).runReview(rest, io);
    default:
      throw new AevError('E_USAGE', REQUEST_USAGE);
  }
}
