import fs from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOpenssl } from '../../../helpers/openssl-tsa.ts';
import { resignToken, tokenOf } from './resign-token.ts';
import { createTsaFixture, type TsaFixture } from './tsa-fixture.ts';

let good: TsaFixture;
let ekuNotCritical: TsaFixture;
let leafIsCa: TsaFixture;
let noSigningUsage: TsaFixture;
beforeAll(async () => {
  [good, ekuNotCritical, leafIsCa, noSigningUsage] = await Promise.all([
    createTsaFixture({ keyType: 'ec' }),
    createTsaFixture({ keyType: 'ec', leaf: 'eku-not-critical' }),
    createTsaFixture({ keyType: 'ec', leaf: 'leaf-is-ca' }),
    createTsaFixture({ keyType: 'ec', leaf: 'no-signing-key-usage' }),
  ]);
});
afterAll(async () => {
  await Promise.all([good, ekuNotCritical, leafIsCa, noSigningUsage].map((fx) => fx.tsa.close()));
});

/** What `openssl ts -verify` says about a token from `fx`: the reference we agree with. */
async function opensslVerdict(fx: TsaFixture, response: Uint8Array): Promise<number> {
  fs.writeFileSync(path.join(fx.tsa.dir, 'check.tok'), tokenOf(response));
  fs.writeFileSync(path.join(fx.tsa.dir, 'check.dat'), fx.data);
  const result = await runOpenssl(
    ['ts', '-verify', '-token_in', '-in', 'check.tok', '-data', 'check.dat', '-CAfile', 'root.pem'],
    fx.tsa.dir,
  );
  return result.code;
}

describe('what the TSA certificate may be (RFC 3161 §2.3)', () => {
  it('accepts a leaf with a critical timeStamping EKU, and so does openssl', async () => {
    expect(good.verify().valid).toBe(true);
    expect(await opensslVerdict(good, good.response)).toBe(0);
  });

  it('rejects a token whose EKU is not critical, like openssl', async () => {
    expect(ekuNotCritical.verify()).toMatchObject({ valid: false, code: 'TSA_EKU' });
    expect(await opensslVerdict(ekuNotCritical, ekuNotCritical.response)).not.toBe(0);
  });

  it('rejects a token whose signer is a CA, like openssl', async () => {
    expect(leafIsCa.verify()).toMatchObject({ valid: false, code: 'TSA_LEAF_IS_CA' });
    expect(await opensslVerdict(leafIsCa, leafIsCa.response)).not.toBe(0);
  });

  it('rejects a signer whose keyUsage does not allow signatures', () => {
    expect(noSigningUsage.verify()).toMatchObject({ valid: false, code: 'TSA_KEY_USAGE' });
  });

  it('rejects a TSTInfo whose tsa name is not the signer', () => {
    const forged = resignToken(good.response, good.tsa.leafKeyPath, {
      tstInfo: (tst) => {
        const rdn = new pkijs.RelativeDistinguishedNames();
        rdn.typesAndValues.push(
          new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: 'Someone Else' }) }),
        );
        tst.tsa = new pkijs.GeneralName({ type: 4, value: rdn });
      },
    });
    expect(good.verify(forged)).toMatchObject({ valid: false, code: 'TSA_NAME', tsaName: 'CN=Someone Else' });
  });
});
