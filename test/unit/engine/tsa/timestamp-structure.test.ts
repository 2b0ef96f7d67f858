import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleResponse, OIDS, parseResponse, resignToken, tokenOf } from './resign-token.ts';
import { createTsaFixture, type TsaFixture } from './tsa-fixture.ts';

let fx: TsaFixture;
beforeAll(async () => {
  fx = await createTsaFixture();
});
afterAll(async () => {
  await fx.tsa.close();
});

/** PKIStatusInfo ::= SEQUENCE { status, statusString PKIFreeText OPTIONAL, failInfo BIT STRING OPTIONAL }. */
function statusOnlyResponse(status: number, text?: string, failBit?: number): Uint8Array {
  const fields: asn1js.AsnType[] = [new asn1js.Integer({ value: status })];
  if (text !== undefined) fields.push(new asn1js.Sequence({ value: [new asn1js.Utf8String({ value: text })] }));
  if (failBit !== undefined) {
    const bytes = new Uint8Array(4);
    bytes[failBit >> 3] = 0x80 >> (failBit & 7);
    fields.push(new asn1js.BitString({ valueHex: bytes, unusedBits: 0 }));
  }
  return new Uint8Array(new asn1js.Sequence({ value: [new asn1js.Sequence({ value: fields })] }).toBER(false));
}

describe('decoding a time-stamp', () => {
  it('accepts the genuine openssl response and reports what it claims', () => {
    const verdict = fx.verify();
    expect(verdict).toMatchObject({ valid: true, policy: fx.tsa.policy, imprintAlgorithm: 'SHA-256' });
    expect(verdict.signerSubject).toBe('O=AEV Test, CN=AEV Test TSA');
    expect(verdict.tsaName).toBe('O=AEV Test, CN=AEV Test TSA');
    expect(verdict.accuracy).toEqual({ seconds: 1, millis: 500, micros: 100 });
    expect(verdict.nonce).toBe(fx.request.nonce.toString(16));
    expect(Math.abs(Date.parse(verdict.genTime!) - Date.now())).toBeLessThan(120_000);
    expect(verdict.chain).toHaveLength(2);
  });

  it('returns TSA_MALFORMED instead of throwing on garbage, empty or truncated input', () => {
    for (const bytes of [new Uint8Array(), randomBytes(200), fx.response.subarray(0, fx.response.byteLength - 7)]) {
      expect(fx.verify(new Uint8Array(bytes))).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
    }
  });

  it('rejects trailing bytes after the response', () => {
    const padded = new Uint8Array([...fx.response, 0x00, 0x00]);
    expect(fx.verify(padded)).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
  });

  it('accepts a bare token as a token and refuses it where a response is required', () => {
    const token = tokenOf(fx.response);
    expect(fx.verify(token, { form: 'token' }).valid).toBe(true);
    expect(fx.verify(token, { form: 'auto' }).valid).toBe(true);
    expect(fx.verify(token, { form: 'response' })).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
    expect(fx.verify(fx.response, { form: 'token' })).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
  });

  it('reports TSA_STATUS with the TSA reason for a rejection', () => {
    const verdict = fx.verify(statusOnlyResponse(2, 'unsupported algorithm', 0));
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_STATUS', status: { status: 2, failInfo: ['badAlg'] } });
    expect(verdict.message).toContain('unsupported algorithm');
  });

  it('treats a granted response without a token as malformed', () => {
    expect(fx.verify(statusOnlyResponse(0))).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
  });

  it('accepts grantedWithMods(1)', () => {
    const { signedData } = parseResponse(fx.response);
    const status = new asn1js.Sequence({ value: [new asn1js.Integer({ value: 1 })] });
    expect(fx.verify(assembleResponse(status, signedData)).valid).toBe(true);
  });

  it('rejects a ContentInfo that is not signed-data', () => {
    const { status, signedData } = parseResponse(fx.response);
    expect(fx.verify(assembleResponse(status, signedData, OIDS.data))).toMatchObject({
      valid: false,
      code: 'TSA_CONTENT_TYPE',
    });
  });

  it('rejects an eContentType other than id-ct-TSTInfo, even when properly signed', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, { eContentType: OIDS.data });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_CONTENT_TYPE' });
  });

  it('rejects a token with two SignerInfos', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      signedData: (sd) => sd.signerInfos.push(new pkijs.SignerInfo({ schema: sd.signerInfos[0]!.toSchema() })),
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_SIGNER_INFO_COUNT' });
  });

  it('keeps the facts it could read in an invalid verdict', () => {
    const verdict = fx.verify(fx.response, {}, { data: new TextEncoder().encode('something else') });
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_IMPRINT_MISMATCH', policy: fx.tsa.policy });
    expect(verdict.genTime).toBeDefined();
    expect(verdict.chain).toBeUndefined();
  });
});
