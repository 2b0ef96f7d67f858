import { isAevError } from '../../common/errors.ts';
import type { OnboardingView } from '../../common/ipc/app-views.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { readSettings } from '../runtime/settings-file.ts';
import { readKeyFile } from '../vault/key-file.ts';
import { openVault, vaultExists } from '../vault/vault.ts';
import type { AppHostContext } from './app-host-context.ts';
import { hooksView } from './app-hooks.ts';

const STATUS_TIMEOUT_MS = 5000;

/**
 * First-run state (issue #6, "onboarding"): how the vault is protected (a recovery passphrase is what
 * saves the evidence when the OS keychain entry is lost, DESIGN.md §5), whether the agent's hooks are
 * in place, and whether the screen can be recorded. keys.json is read for its wrapper kinds only.
 */
export async function onboardingView(ctx: AppHostContext): Promise<OnboardingView> {
  const paths = runtimePaths(ctx.dataRoot);
  const kinds = vaultExists(paths.vaultDir) ? readKeyFile(paths.vaultDir).wrappers.map((w) => w.kind) : [];
  let status: EngineStatus | null = null;
  try {
    status = (await ctx.control('status', {}, STATUS_TIMEOUT_MS)) as EngineStatus;
  } catch (error) {
    if (!isAevError(error)) throw error;
  }
  return {
    platform: ctx.platform,
    onboarded: readSettings(paths.settingsPath).onboarded === true,
    vault: {
      unlockedBy: status?.vault.unlockedBy ?? null,
      recoveryPassphrase: kinds.includes('passphrase'),
      keyring: kinds.includes('keyring'),
    },
    hooks: hooksView(ctx, undefined),
    screen:
      status === null
        ? { state: 'unknown', detail: 'the engine is not reachable' }
        : { state: status.screen.state, detail: status.screen.detail },
  };
}

/**
 * Wraps the vault's master key under a new recovery passphrase (scrypt, fresh salt; the keyring wrapping
 * is kept). The vault is opened with what the host unlocks it with, and closed (keys zeroed) at once.
 */
export async function setRecoveryPassphrase(ctx: AppHostContext, passphrase: string): Promise<void> {
  const vault = await openVault({
    vaultDir: runtimePaths(ctx.dataRoot).vaultDir,
    keyring: ctx.unlock.keyring,
    passphrase: ctx.unlock.passphrase,
  });
  try {
    await vault.changePassphrase(passphrase);
  } finally {
    vault.close();
  }
  ctx.unlock.passphrase = passphrase;
}
