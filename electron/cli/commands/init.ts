import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { runtimePaths } from '../../engine/runtime/data-root.ts';
import { ensurePrivateDir } from '../../engine/runtime/private-dir.ts';
import { createVault, vaultExists } from '../../engine/vault/vault.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { engineEnv, readPassphraseFile } from '../../engine/host/engine-env.ts';
import { askNewPassphrase, isTerminal } from '../prompt-secret.ts';

/** `aev init`: creates the vault with a recovery passphrase (and the OS keyring when it is secure). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'passphrase-file': { type: 'string' } }, strict: true });
  const env = await engineEnv(io);
  const paths = runtimePaths(env.dataRoot);
  if (vaultExists(paths.vaultDir)) throw new AevError('E_VAULT_EXISTS', `a vault already exists in ${env.dataRoot}`);
  let passphrase =
    values['passphrase-file'] !== undefined ? readPassphraseFile(io, values['passphrase-file']) : env.passphrase;
  if (passphrase === undefined) {
    if (!isTerminal(io)) {
      throw new AevError(
        'E_USAGE',
        'no terminal to ask for a recovery passphrase: pass --passphrase-file FILE or set AEV_PASSPHRASE_FILE',
      );
    }
    const chosen = await askNewPassphrase(io);
    if (chosen === null) return 1;
    passphrase = chosen;
  }
  ensurePrivateDir(env.dataRoot);
  const vault = await createVault({ vaultDir: paths.vaultDir, keyring: env.keyring, passphrase });
  const methods = vault.unlockMethods();
  const by = methods.includes('keyring')
    ? `the ${env.keyring?.backend ?? 'OS'} keyring and your recovery passphrase`
    : 'your recovery passphrase';
  vault.close();
  writeLine(io.stdout, `aev: created an encrypted vault in ${env.dataRoot}, unlockable by ${by}.`);
  writeLine(io.stdout, 'Next steps:');
  writeLine(io.stdout, '  1. aev daemon                                          (or start the app)');
  writeLine(io.stdout, '  2. aev hooks install --agent claude-code --scope user  (record every Claude Code session)');
  if (!methods.includes('keyring')) {
    writeLine(io.stdout, '  Headless unlock: put the passphrase in a 0600 file and set AEV_PASSPHRASE_FILE to it.');
  }
  return 0;
}
