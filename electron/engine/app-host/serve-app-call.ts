import { assertNever, isAevError } from '../../common/errors.ts';
import { APP_PARAMS_SCHEMAS, controlCallFor, isAppMethod } from '../../common/ipc/app-api.ts';
import type { AppMethod, AppParams } from '../../common/ipc/app-api.ts';
import type { Result } from '../../common/result.ts';
import type { AppHostContext } from './app-host-context.ts';
import { hooksView, installHooksFromApp, uninstallHooksFromApp } from './app-hooks.ts';
import { onboardingView, setRecoveryPassphrase } from './app-onboarding.ts';
import { saveSettings, settingsView } from './app-settings.ts';
import { startExportJob } from './export-job.ts';
import { startVerifyJob } from './verify-job.ts';

// video.read assembles up to 64 MiB from the vault, still.read a full-resolution PNG: longer than a query.
const CONTROL_TIMEOUT_MS = 60_000;

/**
 * Serves one call of the app API (electron/common/ipc/app-api.ts) whatever carries it: Electron IPC in
 * the desktop app, the loopback bridge of `aev ui`. The arguments are validated with the contract's
 * schema before anything runs; queries go to the engine's control API through `ctx.control`; export,
 * verification, settings and hooks run here with the engine's own functions. Every failure comes back as
 * a Result with a code, never as a thrown error or a stack trace.
 */
export async function serveAppCall(method: string, params: unknown, ctx: AppHostContext): Promise<Result<unknown>> {
  if (!isAppMethod(method)) return { ok: false, code: 'E_UNKNOWN_METHOD', message: `unknown method ${method}` };
  const parsed = APP_PARAMS_SCHEMAS[method].safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` (${issue.path.map(String).join('.') || 'arguments'}: ${issue.message})`;
    return { ok: false, code: 'E_SCHEMA', message: `invalid arguments to ${method}${where}` };
  }
  try {
    return { ok: true, value: await run(method, parsed.data, ctx) };
  } catch (error) {
    if (isAevError(error)) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  }
}

async function run(method: AppMethod, params: unknown, ctx: AppHostContext): Promise<unknown> {
  const control = controlCallFor(method, params as Readonly<Record<string, unknown>>);
  if (control !== null) return ctx.control(control.method, control.params, CONTROL_TIMEOUT_MS);
  const p = <M extends AppMethod>(_: M) => params as AppParams<M>;
  switch (method) {
    case 'startExport':
      return startExportJob(ctx, p('startExport'));
    case 'startVerify':
      return startVerifyJob(ctx, p('startVerify'));
    case 'jobStatus':
      return ctx.jobs.view(p('jobStatus').job);
    case 'getSettings':
      return settingsView(ctx);
    case 'setSettings':
      return saveSettings(ctx, p('setSettings'));
    case 'hooksStatus':
      return hooksView(ctx, p('hooksStatus').projectDir);
    case 'installHooks':
      return installHooksFromApp(ctx, p('installHooks'));
    case 'uninstallHooks':
      return uninstallHooksFromApp(ctx, p('uninstallHooks'));
    case 'onboarding':
      return onboardingView(ctx);
    case 'setRecoveryPassphrase':
      await setRecoveryPassphrase(ctx, p('setRecoveryPassphrase').passphrase);
      return { recoveryPassphrase: true };
    case 'status':
    case 'listSessions':
    case 'showSession':
    case 'sessionWindows':
    case 'readVideo':
    case 'videoIndex':
    case 'readTerminal':
    case 'readStill':
    case 'pause':
    case 'resume':
      // Served by the control API above; reaching here means the table in app-api.ts lost an entry.
      throw new Error(`${method} has no control method`);
    default:
      return assertNever(method, 'app method');
  }
}
