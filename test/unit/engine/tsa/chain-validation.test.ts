import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../../../../electron/engine/tsa/chain-validation.ts';
import { certificatesFromPem } from '../../../../electron/engine/tsa/tsa-certificate.ts';
import { TsaCheckError } from '../../../../electron/engine/tsa/tsa-check-codes.ts';
import { runOpenssl } from '../../../helpers/openssl-tsa.ts';
import { resignToken } from './resign-token.ts';
import { createTsaFixture, type TsaFixture } from './tsa-fixture.ts';

let direct: TsaFixture;
let other: TsaFixture;
let withIntermediate: TsaFixture;
beforeAll(async () => {
  [direct, other, withIntermediate] = await Promise.all([
    createTsaFixture({ keyType: 'ec' }),
    createTsaFixture({ keyType: 'ec' }),
    createTsaFixture({ keyType: 'ec', intermediate: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([direct, other, withIntermediate].map((fx) => fx.tsa.close()));
});

describe('the chain to the TSA trust store (RFC 5280 §6, at genTime)', () => {
  it('rejects a root that has the right name but another key', () => {
    // Both fixtures call their root "AEV Test TSA Root"; only the signature tells them apart.
    expect(direct.verify(undefined, { trustAnchors: other.anchors })).toMatchObject({
      valid: false,
      code: 'TSA_CHAIN',
    });
  });

  it('rejects everything when the trust store is empty', () => {
    expect(direct.verify(undefined, { trustAnchors: [] })).toMatchObject({ valid: false, code: 'TSA_CHAIN' });
  });

  it('judges the chain at genTime: a token dated before the certificates existed fails', () => {
    const forged = resignToken(direct.response, direct.tsa.leafKeyPath, {
      tstInfo: (tst) => {
        tst.genTime = new Date('2001-01-01T00:00:00Z');
      },
    });
    const verdict = direct.verify(forged);
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_CHAIN', genTime: '2001-01-01T00:00:00.000Z' });
    expect(verdict.message).toContain('was not valid at 2001-01-01');
  });

  it('builds root -> intermediate -> leaf from the certificates embedded in the token', () => {
    const verdict = withIntermediate.verify();
    expect(verdict.valid).toBe(true);
    expect(verdict.chain).toEqual([
      withIntermediate.tsa.leafPem,
      withIntermediate.tsa.intermediatePem,
      withIntermediate.tsa.rootPem,
    ]);
  });

  it('needs the intermediate supplied when the token leaves it out', () => {
    const leafOnly = resignToken(withIntermediate.response, withIntermediate.tsa.leafKeyPath, {
      signedData: (sd) => {
        const leafDer = Buffer.from(withIntermediate.leaf.der);
        sd.certificates = (sd.certificates ?? []).filter((c) => leafDer.equals(Buffer.from(c.toSchema().toBER(false))));
        expect(sd.certificates).toHaveLength(1);
      },
    });
    expect(withIntermediate.verify(leafOnly)).toMatchObject({ valid: false, code: 'TSA_CHAIN' });
    const untrusted = certificatesFromPem(withIntermediate.tsa.intermediatePem!);
    expect(withIntermediate.verify(leafOnly, { untrusted }).valid).toBe(true);
  });

  it('does not accept the intermediate as a trust anchor for another TSA', () => {
    const anchors = certificatesFromPem(withIntermediate.tsa.intermediatePem!);
    expect(direct.verify(undefined, { trustAnchors: anchors })).toMatchObject({ valid: false, code: 'TSA_CHAIN' });
  });

  it('gives up on a bag of same-named CA certificates under one key instead of searching forever', async () => {
    const dir = direct.tsa.dir;
    const ok = async (args: string[]): Promise<void> => {
      const result = await runOpenssl(args, dir);
      expect(result.code, result.stderr).toBe(0);
    };
    await ok(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'loop.key']);
    const bag: string[] = [];
    for (let i = 1; i <= 12; i++) {
      await ok([
        'req',
        '-x509',
        '-new',
        '-config',
        'pki.cnf',
        '-extensions',
        'ca_ext',
        '-key',
        'loop.key',
        '-subj',
        '/CN=Loop',
        '-set_serial',
        String(i),
        '-days',
        '30',
        '-out',
        `loop${i}.pem`,
      ]);
      bag.push(fs.readFileSync(path.join(dir, `loop${i}.pem`), 'utf8'));
    }
    await ok([
      'req',
      '-new',
      '-config',
      'pki.cnf',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'loopleaf.key',
      '-out',
      'loopleaf.csr',
      '-subj',
      '/CN=Loop Leaf',
    ]);
    await ok([
      'x509',
      '-req',
      '-in',
      'loopleaf.csr',
      '-CA',
      'loop1.pem',
      '-CAkey',
      'loop.key',
      '-set_serial',
      '99',
      '-days',
      '30',
      '-extfile',
      'pki.cnf',
      '-extensions',
      'good',
      '-out',
      'loopleaf.pem',
    ]);
    const [leaf] = certificatesFromPem(fs.readFileSync(path.join(dir, 'loopleaf.pem'), 'utf8'));
    const pool = certificatesFromPem(bag.join(''));
    const started = Date.now();
    let caught: unknown;
    try {
      validateChain(leaf!, pool, direct.anchors, new Date());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TsaCheckError);
    expect((caught as TsaCheckError).code).toBe('TSA_CHAIN');
    expect((caught as TsaCheckError).message).toContain('gave up');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
