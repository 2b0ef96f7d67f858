import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { certificatesFromPem } from '../../../electron/engine/tsa/tsa-certificate.ts';
import type { ExpectedImprint, VerifyTimestampOptions } from '../../../electron/engine/tsa/timestamp-verdict.ts';

/** The shared vectors live beside the checkout (../shared from the repo root) and are never copied in. */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const vectorsDir = path.resolve(repoRoot, '../shared/vectors/rfc3161');
const manifestPath = path.join(vectorsDir, 'manifest.json');
export const vectorsPresent = fs.existsSync(manifestPath);

const Case = z.object({
  id: z.string(),
  response: z.string().optional(),
  token: z.string().optional(),
  data: z.string().optional(),
  dataHex: z.string().optional(),
  digestSha256: z.string().optional(),
  trust: z.string(),
  untrusted: z.string().optional(),
  expect: z.enum(['valid', 'invalid']),
  reason: z.enum(['status', 'signature', 'imprint', 'chain']).optional(),
  genTime: z.string().optional(),
  signer: z.string().optional(),
});
export type VectorCase = z.infer<typeof Case>;

export const vectorCases: VectorCase[] = vectorsPresent
  ? z.object({ cases: z.array(Case) }).parse(JSON.parse(fs.readFileSync(manifestPath, 'utf8'))).cases
  : [];

export const vectorFile = (relative: string): string => path.join(vectorsDir, relative);

/** The response or token bytes of a case. */
export function vectorBytes(c: VectorCase): Uint8Array {
  return fs.readFileSync(vectorFile(c.token ?? c.response!));
}

/** What the case's token must stamp: the data file, hex data, or a SHA-256 digest. */
export function vectorExpected(c: VectorCase): ExpectedImprint {
  if (c.data !== undefined) return { data: fs.readFileSync(vectorFile(c.data)) };
  if (c.dataHex !== undefined) return { data: Buffer.from(c.dataHex, 'hex') };
  return { digest: Buffer.from(c.digestSha256!, 'hex') };
}

/** The case's trust store, extra certificates and form. */
export function vectorOptions(c: VectorCase): VerifyTimestampOptions {
  return {
    trustAnchors: certificatesFromPem(fs.readFileSync(vectorFile(c.trust), 'utf8')),
    untrusted: c.untrusted === undefined ? [] : certificatesFromPem(fs.readFileSync(vectorFile(c.untrusted), 'utf8')),
    form: c.token === undefined ? 'response' : 'token',
  };
}
