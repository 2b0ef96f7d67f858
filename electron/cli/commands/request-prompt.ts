import readline from 'node:readline';
import type { CliIo } from '../cli-io.ts';

/**
 * Asks one question on the terminal and reads one line (echoed, unlike prompt-secret.ts's passphrases).
 * Ctrl-C or Ctrl-D gives null. The question goes to stderr so stdout stays the command's result.
 */
export function askLine(io: CliIo, question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    let answer: string | null = null;
    rl.on('SIGINT', () => {
      rl.close();
    });
    rl.once('close', () => {
      if (answer === null) io.stderr.write('\n');
      resolve(answer);
    });
    rl.question(question, (line) => {
      answer = line.trim();
      rl.close();
    });
  });
}

export type Decision = { readonly kind: 'approve' } | { readonly kind: 'deny'; readonly reason: string } | null;

/** Approve, deny (with a reason), or nothing; asked until the answer is one of those. */
export async function askDecision(io: CliIo): Promise<Decision> {
  for (;;) {
    const answer = await askLine(io, 'Approve (a), deny (d), or leave it undecided (Enter)? ');
    if (answer === null || answer === '') return null;
    if (/^a(pprove)?$/i.test(answer)) return { kind: 'approve' };
    if (/^d(eny)?$/i.test(answer)) {
      const reason = await askLine(
        io,
        'Why is it denied (the requester will not see this; it goes on the access log)? ',
      );
      if (reason === null) return null;
      if (reason !== '') return { kind: 'deny', reason };
      io.stderr.write('A denial needs a reason.\n');
      continue;
    }
    io.stderr.write('Answer a, d, or Enter.\n');
  }
}
