import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTimestampRequest } from '../../../../electron/engine/tsa/timestamp-request.ts';
import { resignToken } from './resign-token.ts';
import { createTsaFixture, type TsaFixture } from './tsa-fixture.ts';

let fx: TsaFixture;
let sha1Tsa: TsaFixture;
beforeAll(async () => {
  [fx, sha1Tsa] = await Promise.all([
    createTsaFixture(),
    createTsaFixture({ digests: ['sha1', 'sha256'], keyType: 'ec' }),
  ]);
});
afterAll(async () => {
  await Promise.all([fx.tsa.close(), sha1Tsa.tsa.close()]);
});

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

describe('the message imprint (RFC 3161 §2.4.2)', () => {
  it('accepts the imprint value itself, with or without the algorithm', () => {
    expect(fx.verify(undefined, {}, { digest: sha256(fx.data) }).valid).toBe(true);
    expect(fx.verify(undefined, {}, { digest: sha256(fx.data), algorithm: 'SHA-256' }).valid).toBe(true);
  });

  it('rejects a token over other data with TSA_IMPRINT_MISMATCH', () => {
    expect(fx.verify(undefined, {}, { data: new Uint8Array([1, 2, 3]) })).toMatchObject({
      code: 'TSA_IMPRINT_MISMATCH',
    });
    expect(fx.verify(undefined, {}, { digest: new Uint8Array(32) })).toMatchObject({ code: 'TSA_IMPRINT_MISMATCH' });
  });

  it('rejects a token whose algorithm differs from the one the caller pinned', () => {
    const verdict = fx.verify(undefined, {}, { digest: new Uint8Array(64), algorithm: 'SHA-512' });
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_IMPRINT_ALGORITHM' });
  });

  it('rejects a genuine openssl token over a SHA-1 imprint', async () => {
    const digest = createHash('sha1').update(sha1Tsa.data).digest('hex');
    const { runOpenssl } = await import('../../../helpers/openssl-tsa.ts');
    const query = await runOpenssl(
      ['ts', '-query', '-digest', digest, '-sha1', '-cert', '-out', 'sha1.tsq'],
      sha1Tsa.tsa.dir,
    );
    expect(query.code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const response = await sha1Tsa.tsa.stamp(new Uint8Array(readFileSync(`${sha1Tsa.tsa.dir}/sha1.tsq`)));
    const verdict = sha1Tsa.verify(response, { nonce: undefined });
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_SHA1_REJECTED', imprintAlgorithm: 'SHA-1' });
  });

  it('rejects an unknown imprint algorithm even when the TSA signed it', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      tstInfo: (tst) => {
        tst.messageImprint.hashAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.2.5' }); // MD5
      },
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_IMPRINT_ALGORITHM' });
  });
});

describe('the nonce', () => {
  it('rejects a token whose nonce differs from the one sent', () => {
    expect(fx.verify(undefined, { nonce: fx.request.nonce + 1n })).toMatchObject({
      valid: false,
      code: 'TSA_NONCE_MISMATCH',
    });
  });

  it('rejects a token without a nonce when one was sent', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      tstInfo: (tst) => {
        delete tst.nonce;
      },
    });
    expect(fx.verify(forged, { nonce: undefined }).valid).toBe(true);
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_NONCE_MISMATCH' });
  });

  it('compares large nonces exactly (a 64-bit nonce with the top bit set)', async () => {
    const request = buildTimestampRequest({ data: fx.data }, { random: () => new Uint8Array(8).fill(0xff) });
    expect(request.nonce).toBe(0xffffffffffffffffn);
    const response = await fx.tsa.stamp(request.der);
    expect(fx.verify(response, { nonce: request.nonce }).valid).toBe(true);
    expect(fx.verify(response, { nonce: request.nonce - 1n }).code).toBe('TSA_NONCE_MISMATCH');
  });
});

describe('the policy allow-list', () => {
  it('accepts a token whose policy is listed and rejects one whose policy is not', () => {
    expect(fx.verify(undefined, { policies: ['1.9.9', fx.tsa.policy] }).valid).toBe(true);
    expect(fx.verify(undefined, { policies: ['1.9.9'] })).toMatchObject({ valid: false, code: 'TSA_POLICY' });
  });
});

describe('the accuracy', () => {
  it('rejects millis outside 1..999', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      tstInfo: (tst) => {
        tst.accuracy = new pkijs.Accuracy({ seconds: 1, millis: 0 });
      },
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_ACCURACY' });
  });

  it('rejects genTime ± accuracy outside the window the caller knows', () => {
    const genTime = Date.parse(fx.verify().genTime!);
    const inside = { notBefore: new Date(genTime - 1000), notAfter: new Date(genTime + 1000) };
    expect(fx.verify(undefined, { timeWindow: inside }).valid).toBe(true);
    // 1.5001 s of accuracy still reaches a window that starts 1.5 s later...
    const edge = { notBefore: new Date(genTime + 1500), notAfter: new Date(genTime + 9000) };
    expect(fx.verify(undefined, { timeWindow: edge }).valid).toBe(true);
    // ...but not one that starts 2 s later.
    const late = { notBefore: new Date(genTime + 2000), notAfter: new Date(genTime + 9000) };
    expect(fx.verify(undefined, { timeWindow: late })).toMatchObject({ valid: false, code: 'TSA_ACCURACY' });
  });
});

describe('the message-digest attribute (RFC 5652 §11.2)', () => {
  it('rejects a TSTInfo changed after signing even when the signed attributes are re-signed', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      keepMessageDigest: true,
      tstInfo: (tst) => {
        tst.policy = '1.2.3.4.5';
      },
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_MESSAGE_DIGEST' });
  });

  it('rejects a missing content-type attribute and a repeated message-digest attribute', () => {
    const noContentType = resignToken(fx.response, fx.tsa.leafKeyPath, {
      attributes: (attrs) => attrs.filter((a) => a.type !== '1.2.840.113549.1.9.3'),
    });
    expect(fx.verify(noContentType)).toMatchObject({ valid: false, code: 'TSA_CONTENT_TYPE' });
    const twice = resignToken(fx.response, fx.tsa.leafKeyPath, {
      attributes: (attrs) => [
        ...attrs,
        new pkijs.Attribute({
          type: '1.2.840.113549.1.9.4',
          values: [new asn1js.OctetString({ valueHex: new Uint8Array(32) })],
        }),
      ],
    });
    expect(fx.verify(twice)).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
  });
});
