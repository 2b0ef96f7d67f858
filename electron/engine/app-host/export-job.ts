import fs from 'node:fs';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import type { AppParams } from '../../common/ipc/app-api.ts';
import type { ExportResultView } from '../../common/ipc/app-views.ts';
import { exportBundle } from '../export/export-bundle.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { readSettings } from '../runtime/settings-file.ts';
import { defaultTsaTrustPem } from '../tsa/default-tsas.ts';
import type { AppHostContext } from './app-host-context.ts';

/**
 * Starts writing an evidence bundle with the engine's own export (electron/engine/export/export-bundle.ts)
 * in the app host. The destination is checked before the job starts, so a wrong path is an immediate
 * answer rather than a failed job; unencrypted output only on the explicit `plain` (invariant I1).
 */
export function startExportJob(ctx: AppHostContext, req: AppParams<'startExport'>): { job: string } {
  const out = checkedOut(req.out);
  const trustPem = trustStore(ctx);
  const job = ctx.jobs.start('export', async (handle) => {
    if (req.plain)
      handle.say('WARNING: this bundle is NOT encrypted: payloads, terminal output and video are in clear');
    const r = await exportBundle({
      dataRoot: ctx.dataRoot,
      keyring: ctx.unlock.keyring,
      passphrase: ctx.unlock.passphrase,
      sessionId: req.sessionId,
      range: req.range,
      out,
      recipients: req.recipients,
      plain: req.plain,
      withhold: req.withhold,
      trustPem,
      env: ctx.env,
      onProgress: (message) => {
        handle.say(message);
      },
    });
    for (const u of r.uncovered) handle.say(`not yet time-stamped: ${u} (verification will report it)`);
    const value: ExportResultView = {
      out: r.out,
      bundleId: r.bundleId,
      encrypted: r.encrypted,
      files: r.files,
      bytes: fs.statSync(r.out).size,
      range: r.range,
      sessions: r.sessions.map((s) => ({
        sessionId: s.sessionId,
        kind: s.kind,
        windows: s.content.length,
        events: s.events,
        media: s.media,
        withheld: s.withheld,
        tokens: s.tokens,
      })),
      uncovered: r.uncovered,
      clipNote: r.clipNote,
    };
    return { kind: 'export', value };
  });
  return { job };
}

function checkedOut(out: string): string {
  if (!path.isAbsolute(out)) throw new AevError('E_USAGE', `the bundle path must be absolute: ${out}`);
  const dir = path.dirname(out);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new AevError('E_USAGE', `the folder ${dir} does not exist`);
  if (fs.existsSync(out)) throw new AevError('E_USAGE', `${out} already exists; choose another name`);
  return out;
}

/**
 * The TSA roots shipped in the bundle, with the engine's precedence (electron/engine/host/engine-env.ts):
 * AEV_TSA_TRUST, then settings.json, then the built-in trust store.
 */
function trustStore(ctx: AppHostContext): string {
  const fromEnv = ctx.env.AEV_TSA_TRUST;
  const file =
    fromEnv !== undefined && fromEnv !== ''
      ? fromEnv
      : readSettings(runtimePaths(ctx.dataRoot).settingsPath).tsa?.trustFile;
  if (file === undefined) return defaultTsaTrustPem();
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_CONFIG', `cannot read the TSA trust store ${file}`, { file }, { cause });
  }
}
