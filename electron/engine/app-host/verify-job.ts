import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import { MAX_DROPPED_BUNDLE_BYTES } from '../../common/ipc/app-api.ts';
import type { AppParams } from '../../common/ipc/app-api.ts';
import { verifyBundle } from '../verify/bundle/verify-bundle.ts';
import type { AppHostContext } from './app-host-context.ts';

/**
 * Starts checking an evidence bundle offline with the engine's verifier (electron/engine/verify/bundle),
 * which reports every item with a code (DESIGN.md §6). A bundle dropped into the page arrives as bytes;
 * the verifier reads files, so they wait in the host's private scratch folder (0700, the file 0600) for
 * the length of the check and are removed after it. Such a bundle is age-encrypted unless its author
 * chose plain; either way nothing is decrypted to disk (the verifier decrypts in memory).
 */
export function startVerifyJob(ctx: AppHostContext, req: AppParams<'startVerify'>): { job: string } {
  const identityFile = req.identityFile === undefined ? undefined : existingFile(req.identityFile, 'identity file');
  const trustPem =
    req.trustFile === undefined ? undefined : fs.readFileSync(existingFile(req.trustFile, 'trust store'), 'utf8');
  const source = req.source;
  let file: string;
  let name: string;
  let dropped: string | null = null;
  if ('path' in source) {
    file = existingFile(source.path, 'bundle');
    name = source.path;
  } else {
    const bytes = Buffer.from(source.base64, 'base64');
    if (bytes.length > MAX_DROPPED_BUNDLE_BYTES)
      throw new AevError(
        'E_USAGE',
        `a dropped bundle is limited to ${MAX_DROPPED_BUNDLE_BYTES} bytes: open it by path`,
      );
    dropped = path.join(ctx.scratchDir(), `dropped-${randomBytes(8).toString('hex')}`);
    fs.writeFileSync(dropped, bytes, { mode: 0o600, flag: 'wx' });
    file = dropped;
    name = source.name;
  }
  const job = ctx.jobs.start('verify', async (handle) => {
    try {
      let checked = 0;
      handle.say(`verifying ${name}`);
      const report = await verifyBundle({
        file,
        identityFile,
        trustPem,
        env: ctx.env,
        onItem: (item) => {
          checked += 1;
          handle.checked(checked);
          if (item.status === 'fail') handle.say(`FAIL ${item.item}: ${item.code} ${item.message}`);
        },
      });
      const c = report.counts;
      handle.say(
        `${report.ok ? 'VERIFIED' : 'NOT VERIFIED'}: ${c.pass} passed, ${c.fail} failed, ${c.pending} pending`,
      );
      return { kind: 'verify', value: { name, report } };
    } finally {
      if (dropped !== null) fs.rmSync(dropped, { force: true });
    }
  });
  return { job };
}

function existingFile(file: string, what: string): string {
  if (!path.isAbsolute(file)) throw new AevError('E_USAGE', `the ${what} path must be absolute: ${file}`);
  let isFile = false;
  try {
    isFile = fs.statSync(file).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw new AevError('E_USAGE', `no such ${what}: ${file}`);
  return file;
}
