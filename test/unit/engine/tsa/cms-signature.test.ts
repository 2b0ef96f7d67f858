import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipByte, OIDS, parseResponse, resignToken } from './resign-token.ts';
import { createTsaFixture, type TsaFixture } from './tsa-fixture.ts';

let rsa: TsaFixture;
let ec: TsaFixture;
beforeAll(async () => {
  [rsa, ec] = await Promise.all([createTsaFixture({ keyType: 'rsa' }), createTsaFixture({ keyType: 'ec' })]);
});
afterAll(async () => {
  await Promise.all([rsa.tsa.close(), ec.tsa.close()]);
});

/** The SignerInfo signature value, as found in the response bytes. */
function signatureOffset(response: Uint8Array): number {
  const { signedData } = parseResponse(response);
  const signature = Buffer.from(signedData.signerInfos[0]!.signature.valueBlock.valueHexView);
  const at = Buffer.from(response).lastIndexOf(signature);
  expect(at).toBeGreaterThan(0);
  return at;
}

describe('the CMS signature (RFC 5652 §5.4, §5.6)', () => {
  it('accepts genuine RSA and ECDSA tokens', () => {
    expect(rsa.verify().valid).toBe(true);
    expect(ec.verify().valid).toBe(true);
  });

  for (const name of ['rsa', 'ec'] as const) {
    it(`rejects a ${name} token with one bit of the signature flipped`, () => {
      const fx = name === 'rsa' ? rsa : ec;
      const broken = flipByte(fx.response, signatureOffset(fx.response) + 10);
      expect(fx.verify(broken)).toMatchObject({ valid: false, code: 'TSA_SIGNATURE' });
    });
  }

  it('rejects a token re-signed by another key (the root) that keeps the TSA certificate', () => {
    const forged = resignToken(ec.response, ec.tsa.leafKeyPath, { keyPath: `${ec.tsa.dir}/root.key` });
    expect(ec.verify(forged)).toMatchObject({ valid: false, code: 'TSA_SIGNATURE' });
  });

  it('rejects a signed attribute changed after signing', () => {
    // openssl signs a signingTime attribute (RFC 5652 §11.3); nudge one of its digits in place.
    const signingTimeOid = Buffer.from('06092a864886f70d010905', 'hex');
    const at = Buffer.from(rsa.response).indexOf(signingTimeOid);
    expect(at).toBeGreaterThan(0);
    const broken = flipByte(rsa.response, at + signingTimeOid.byteLength + 2 + 2 + 5);
    expect(rsa.verify(broken)).toMatchObject({ valid: false, code: 'TSA_SIGNATURE' });
  });

  it('accepts RSASSA-PSS and refuses a PSS signature labelled PKCS#1 v1.5', () => {
    const pss = resignToken(rsa.response, rsa.tsa.leafKeyPath, { pss: true });
    expect(rsa.verify(pss).valid).toBe(true);
    const mislabelled = resignToken(rsa.response, rsa.tsa.leafKeyPath, {
      pss: true,
      signedData: (sd) => {
        sd.signerInfos[0]!.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.11' });
      },
    });
    expect(rsa.verify(mislabelled)).toMatchObject({ valid: false, code: 'TSA_SIGNATURE' });
  });

  it('refuses a SHA-1 SignerInfo digest algorithm', () => {
    const forged = resignToken(rsa.response, rsa.tsa.leafKeyPath, {
      signedData: (sd) => {
        sd.signerInfos[0]!.digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.3.14.3.2.26' });
      },
    });
    expect(rsa.verify(forged)).toMatchObject({ valid: false, code: 'TSA_SHA1_REJECTED' });
  });

  it('verifies the signed attributes as received, not re-sorted into DER order', () => {
    // Reverse the attributes, so the SET OF is not in DER order (X.690 §11.6), and sign that order,
    // as the BER DigiCert vector does. Re-encoding before verifying would break this signature.
    const forged = resignToken(rsa.response, rsa.tsa.leafKeyPath, { attributes: (attrs) => [...attrs].reverse() });
    const { signedData } = parseResponse(forged);
    const encoded = signedData.signerInfos[0]!.signedAttrs!.attributes.map((a) =>
      Buffer.from(a.toSchema().toBER(false)),
    );
    const sorted = [...encoded].sort((a, b) => Buffer.compare(a, b));
    expect(encoded.map((b) => b.toString('hex'))).not.toEqual(sorted.map((b) => b.toString('hex')));
    expect(signedData.signerInfos[0]!.signedAttrs!.attributes[0]!.type).not.toBe(OIDS.contentType);
    expect(rsa.verify(forged).valid).toBe(true);
  });

  it('accepts a TSTInfo carried in a constructed (BER) OCTET STRING', () => {
    const { status, signedData } = parseResponse(rsa.response);
    const tst = new Uint8Array(signedData.encapContentInfo.eContent!.valueBlock.valueHexView);
    const pieces = [tst.subarray(0, 10), tst.subarray(10)].map((p) => new asn1js.OctetString({ valueHex: p }));
    const constructed = new asn1js.OctetString({ isConstructed: true, value: pieces });
    signedData.encapContentInfo.eContent = constructed;
    const contentInfo = new pkijs.ContentInfo({ contentType: OIDS.signedData, content: signedData.toSchema(true) });
    const response = new Uint8Array(new asn1js.Sequence({ value: [status, contentInfo.toSchema()] }).toBER(false));
    expect(parseResponse(response).signedData.encapContentInfo.eContent!.idBlock.isConstructed).toBe(true);
    expect(rsa.verify(response).valid).toBe(true);
  });
});
