import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AevError } from '../../common/errors.ts';
import type { TsaEndpoint } from './tsa-queue.ts';

/**
 * Public TSAs used when nothing else is configured, tried in this order (failover). Sectigo asks
 * clients to wait 15 s between requests. Their roots ship in build/tsa-trust/ (see its README).
 */
export const DEFAULT_TSAS: readonly TsaEndpoint[] = [
  { url: 'http://timestamp.digicert.com', minSpacingMs: 1_000 },
  { url: 'http://timestamp.sectigo.com', minSpacingMs: 15_000 },
  { url: 'http://timestamp.globalsign.com/tsa/r6advanced1', minSpacingMs: 1_000 },
];

/** The PEM text of the default TSA trust store. */
export function defaultTsaTrustPem(): string {
  const dir = findTrustDir(path.dirname(fileURLToPath(import.meta.url)));
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** `AEV_TSA_URLS=url1,url2` → endpoints (1 s spacing unless the URL is Sectigo's). */
export function tsasFromList(list: string): TsaEndpoint[] {
  return list
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((url) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new AevError('E_CONFIG', `not a TSA URL: ${JSON.stringify(url)}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw new AevError('E_CONFIG', `a TSA URL is http or https: ${url}`);
      return { url, minSpacingMs: parsed.hostname.endsWith('sectigo.com') ? 15_000 : 1_000 };
    });
}

/** Walks up from this module (sources or dist/) to the package folder holding build/tsa-trust. */
function findTrustDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'build', 'tsa-trust');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new AevError('E_CONFIG', 'the default TSA trust store (build/tsa-trust) is missing; set AEV_TSA_TRUST');
}
