import type { ManifestSession } from '../../export/bundle-manifest.ts';
import { sessionDir } from '../../export/bundle-layout.ts';
import type { BundleContext } from './bundle-context.ts';
import { fileBytes } from './bundle-context.ts';
import type { BundleRecord } from './check-bundle-records.ts';

const TOKEN_FILE = /^(\d{1,15})\.(\d{1,6})\.tsr$/;

/**
 * Every token on the record its name says (RFC 3161, imprint = SHA-256 of the record), then coverage:
 * each content record must reach a valid token through consecutive included records (chain-format.md
 * "Time-stamps"). A bundle's tokens cannot arrive later, so an uncovered record fails.
 */
export function checkBundleTokens(
  ctx: BundleContext,
  s: ManifestSession,
  records: ReadonlyMap<number, BundleRecord>,
): void {
  const at = `session ${s.sessionId}`;
  const prefix = `${sessionDir(s.sessionId)}/tokens/`;
  const valid = new Set<number>();
  for (const path of [...ctx.files.keys()].filter((p) => p.startsWith(prefix)).sort()) {
    const name = path.slice(prefix.length);
    const item = `${at} token ${name}`;
    const m = TOKEN_FILE.exec(name);
    const bytes = fileBytes(ctx, path);
    const seq = Number(m?.[1]);
    const record = records.get(seq);
    if (m === null || bytes === null || record === undefined) {
      ctx.report.fail(item, 'TOKEN_IMPRINT', 'the token is for a record the bundle does not hold');
      continue;
    }
    const v = ctx.checkToken(bytes, record.hash);
    if (!v.valid) {
      const code = v.code === 'TSA_IMPRINT_MISMATCH' ? 'TOKEN_IMPRINT' : 'TOKEN_INVALID';
      ctx.report.fail(item, code, `${v.code ?? 'invalid'}: ${v.message ?? 'the time-stamp token does not verify'}`);
      continue;
    }
    valid.add(seq);
    ctx.report.pass(item, `RFC 3161 token on record ${seq} verified, genTime ${v.genTime ?? '?'}`);
  }
  const uncovered = s.content.filter((seq) => {
    for (let n = seq; records.has(n); n++) if (valid.has(n)) return false;
    return true;
  });
  if (uncovered.length > 0)
    ctx.report.fail(
      `${at} records ${uncovered.join(', ')}`,
      'TOKEN_UNCOVERED',
      'no valid time-stamp in the bundle covers these content records through the chain',
    );
  else if (s.content.length > 0) ctx.report.pass(`${at} time-stamps`, 'every content record is covered by a token');
}
