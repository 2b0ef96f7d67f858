import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { createEngine } from '../../engine/create-engine.ts';
import { streamLogger } from '../../engine/runtime/logger.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { engineEnv, engineInputFrom } from '../../engine/host/engine-env.ts';
import type { EngineEnv } from '../../engine/host/engine-env.ts';
import { askNewPassphrase, isTerminal, promptSecret } from '../prompt-secret.ts';
import { runtimePaths } from '../../engine/runtime/data-root.ts';
import { vaultExists } from '../../engine/vault/vault.ts';

/**
 * `aev daemon`: the engine in the foreground (remote dev boxes, CI agents, tests). SIGINT/SIGTERM
 * stop it cleanly: every event already received is written and acknowledged first.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { quiet: { type: 'boolean' } }, strict: true });
  const env = await engineEnv(io);
  const passphrase = env.passphrase ?? (await askInTerminal(io, env));
  const logger = streamLogger((line) => io.stderr.write(line));
  // The desktop app's engine process starts the same engine from the same inputs (engine/host).
  const engine = createEngine(
    engineInputFrom(env, passphrase, values.quiet === true ? { ...logger, info: () => undefined } : logger, io.env),
  );
  let info;
  try {
    info = await engine.start();
  } catch (error) {
    if (error instanceof AevError && error.code === 'E_VAULT_MISSING') {
      throw new AevError(
        'E_VAULT_MISSING',
        `${error.message}\n  Next: \`aev init\` creates the vault (you choose a recovery passphrase),\n        or set AEV_PASSPHRASE_FILE to a 0600 file holding one and run \`aev daemon\` again.`,
      );
    }
    throw error;
  }
  const out = io.stdout;
  if (info.createdVault) {
    writeLine(out, `aev: created a new encrypted vault in ${env.dataRoot}`);
    writeLine(
      out,
      '  Keep your recovery passphrase safe: without it (and the OS keyring) the evidence cannot be read.',
    );
    writeLine(out, '  Next: aev hooks install --agent claude-code --scope user    (record every Claude Code session)');
  }
  if (info.previousStopUnclean) writeLine(out, 'aev: the previous engine did not stop cleanly; continuing');
  writeLine(out, `aev: recording agent events in ${env.dataRoot}`);
  writeLine(out, `aev: socket ${info.socketPath}${info.httpUrl === null ? '' : `; HTTP hooks ${info.httpUrl}`}`);
  // Handlers first, then "ready": whoever reacts to "ready" with a signal gets a clean stop.
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        writeLine(io.stderr, `aev: ${signal} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      writeLine(io.stderr, `aev: ${signal}: stopping (finishing acknowledged work)`);
      engine.stop().then(resolve, (error: unknown) => {
        writeLine(io.stderr, `aev: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  writeLine(out, 'aev: ready (Ctrl-C stops)');

  await stopped;
  return 0;
}

/**
 * Started by a person in a terminal without AEV_PASSPHRASE_FILE (`npm start` on a fresh checkout):
 * ask for a new recovery passphrase when there is no vault yet, or for the passphrase when no secure
 * keyring can unlock the vault. Headless (no terminal) the daemon explains what to set instead.
 */
async function askInTerminal(io: CliIo, env: EngineEnv): Promise<string | undefined> {
  if (!isTerminal(io)) return undefined;
  if (!vaultExists(runtimePaths(env.dataRoot).vaultDir)) {
    writeLine(io.stderr, `aev: no vault in ${env.dataRoot} yet; creating one.`);
    const chosen = await askNewPassphrase(io);
    if (chosen === null) throw new AevError('E_USAGE', 'cancelled; nothing was created');
    return chosen;
  }
  if (env.keyring?.secure === true) return undefined;
  const typed = await promptSecret(io, 'Recovery passphrase: ');
  if (typed === null) throw new AevError('E_USAGE', 'cancelled');
  return typed;
}
