import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../electron/cli/cli-io.ts';
import { run } from '../../../electron/cli/commands/tsa-verify-token.ts';
import type { TsaCheckCode } from '../../../electron/engine/tsa/tsa-check-codes.ts';
import { runOpenssl } from '../../helpers/openssl-tsa.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { verifyBothWays } from '../../unit/engine/tsa/verify-both-ways.ts';
import {
  vectorBytes,
  vectorCases as cases,
  vectorExpected,
  vectorFile as file,
  vectorOptions,
  vectorsDir,
  vectorsPresent as present,
  type VectorCase as Case,
} from './vector-cases.ts';

/** The manifest's reason categories, as our codes. */
const REASON_CODE: Record<NonNullable<Case['reason']>, TsaCheckCode> = {
  status: 'TSA_STATUS',
  signature: 'TSA_SIGNATURE',
  imprint: 'TSA_IMPRINT_MISMATCH',
  chain: 'TSA_CHAIN',
};

const temp = makeTempDir();
afterAll(() => {
  temp.cleanup();
});

function capture(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdin: new PassThrough(), stdout, stderr, env: {}, cwd: vectorsDir }, out: () => out, err: () => err };
}

/** The CLI arguments for a case; hex data is written to a temp file for --data. */
function cliArgs(c: Case): string[] {
  const args = ['--trust', file(c.trust)];
  if (c.untrusted !== undefined) args.push('--untrusted', file(c.untrusted));
  if (c.token !== undefined) args.push('--token', file(c.token), '--token-only');
  else args.push('--token', file(c.response!));
  if (c.data !== undefined) args.push('--data', file(c.data));
  else if (c.dataHex !== undefined) {
    const dataPath = path.join(temp.dir, `${c.id}.bin`);
    fs.writeFileSync(dataPath, Buffer.from(c.dataHex, 'hex'));
    args.push('--data', dataPath);
  } else args.push('--digest', c.digestSha256!);
  return args;
}

function expectSigner(subject: string | undefined, signer: string): void {
  for (const rdn of signer.split(/,\s*/)) expect(subject?.split(/,\s*/)).toContain(rdn);
}

const title = present
  ? 'RFC 3161 conformance vectors'
  : `RFC 3161 conformance vectors (SKIPPED: ${vectorsDir} not found)`;

describe.skipIf(!present)(title, () => {
  for (const c of cases) {
    it(`${c.id}: ${c.expect}${c.reason === undefined ? '' : ` (${c.reason})`}`, async () => {
      // With and without a verification cache (shared by all cases of this file), which must agree.
      const verdict = verifyBothWays(vectorBytes(c), vectorExpected(c), vectorOptions(c));
      expect(verdict.valid, verdict.message).toBe(c.expect === 'valid');
      if (c.reason !== undefined) expect(verdict.code).toBe(REASON_CODE[c.reason]);
      if (c.genTime !== undefined) expect(Date.parse(verdict.genTime!)).toBe(Date.parse(c.genTime));
      if (c.signer !== undefined) expectSigner(verdict.signerSubject, c.signer);

      const human = capture();
      expect(await run(cliArgs(c), human.io)).toBe(c.expect === 'valid' ? 0 : 1);
      expect(human.out()).toContain(c.expect === 'valid' ? 'Verification: OK' : 'Verification: FAILED');
      if (c.reason !== undefined) expect(human.out()).toContain(REASON_CODE[c.reason]);
      const json = capture();
      expect(await run([...cliArgs(c), '--json'], json.io)).toBe(c.expect === 'valid' ? 0 : 1);
      const printed = JSON.parse(json.out()) as {
        valid: boolean;
        code?: string;
        genTime?: string;
        signerSubject?: string;
      };
      expect([printed.valid, printed.code, printed.genTime]).toEqual([verdict.valid, verdict.code, verdict.genTime]);
      expect(json.err()).toBe('');
    });
  }

  it('exercises a BER token whose signed attributes are not in DER order', () => {
    // X.690 §11.6: DER sorts SET OF; this TSA did not, so only the bytes as received verify.
    const root = asn1js.fromBER(fs.readFileSync(file('digicert-2018/response.tsr'))).result;
    if (!(root instanceof asn1js.Sequence)) throw new Error('the DigiCert vector is not a SEQUENCE');
    const contentInfo = new pkijs.ContentInfo({ schema: root.valueBlock.value[1] });
    const signerInfo = new pkijs.SignedData({ schema: contentInfo.content }).signerInfos[0]!;
    const encoded = signerInfo.signedAttrs!.attributes.map((a) =>
      Buffer.from(a.toSchema().toBER(false)).toString('hex'),
    );
    expect(encoded).not.toEqual([...encoded].sort());
  });

  for (const c of cases.filter((v) => v.expect === 'valid' && v.genTime !== undefined)) {
    it(`${c.id}: openssl ts -verify agrees at genTime`, async () => {
      const args = ['ts', '-verify', '-in', file(c.token ?? c.response!), '-CAfile', file(c.trust)];
      if (c.token !== undefined) args.push('-token_in');
      if (c.untrusted !== undefined) args.push('-untrusted', file(c.untrusted));
      if (c.data !== undefined) args.push('-data', file(c.data));
      else args.push('-digest', c.digestSha256!);
      args.push('-attime', String(Math.floor(Date.parse(c.genTime!) / 1000)));
      const result = await runOpenssl(args, vectorsDir);
      expect(result.code, result.stderr).toBe(0);
    });
  }
});
