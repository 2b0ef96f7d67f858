import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatesFromPem } from '../../../../electron/engine/tsa/tsa-certificate.ts';
import { runOpenssl } from '../../../helpers/openssl-tsa.ts';
import { OIDS, resignToken } from './resign-token.ts';
import { createTsaFixture, type TsaFixture } from './tsa-fixture.ts';

let fx: TsaFixture;
let essV1: TsaFixture;
beforeAll(async () => {
  [fx, essV1] = await Promise.all([createTsaFixture(), createTsaFixture({ essVersion: 1, keyType: 'ec' })]);
});
afterAll(async () => {
  await Promise.all([fx.tsa.close(), essV1.tsa.close()]);
});

/** SigningCertificateV2 { certs { ESSCertIDv2 { certHash, issuerSerial? } } } (RFC 5035 §3, SHA-256 default). */
function essV2Attribute(
  certHash: Uint8Array,
  issuerSerial?: { issuer: pkijs.RelativeDistinguishedNames; serial: asn1js.Integer },
): pkijs.Attribute {
  const fields: asn1js.AsnType[] = [new asn1js.OctetString({ valueHex: certHash })];
  if (issuerSerial !== undefined) {
    const directoryName = new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 4 },
      value: [issuerSerial.issuer.toSchema()],
    });
    fields.push(new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [directoryName] }), issuerSerial.serial] }));
  }
  const value = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: fields })] })],
  });
  return new pkijs.Attribute({ type: OIDS.essV2, values: [value] });
}

const withoutEss = (attrs: pkijs.Attribute[]): pkijs.Attribute[] =>
  attrs.filter((a) => a.type !== OIDS.essV1 && a.type !== OIDS.essV2);

describe('choosing the signer by SignerInfo sid (RFC 5652 §5.3)', () => {
  it('finds the signer by subjectKeyIdentifier', () => {
    const extension = fx.leaf.cert.extensions!.find((e) => e.extnID === '2.5.29.14')!;
    const keyId = (asn1js.fromBER(extension.extnValue.valueBlock.valueHexView).result as asn1js.OctetString).valueBlock
      .valueHexView;
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      signedData: (sd) => {
        sd.signerInfos[0]!.version = 3;
        sd.signerInfos[0]!.sid = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: keyId });
      },
    });
    expect(fx.verify(forged)).toMatchObject({ valid: true, signerSubject: fx.leaf.subject });
  });

  it('reports TSA_SIGNER_NOT_FOUND when no certificate has the sid serial', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      signedData: (sd) => {
        (sd.signerInfos[0]!.sid as pkijs.IssuerAndSerialNumber).serialNumber = new asn1js.Integer({ value: 7 });
      },
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_SIGNER_NOT_FOUND' });
  });

  it('needs the TSA certificate supplied when the token embeds none', () => {
    const bare = resignToken(fx.response, fx.tsa.leafKeyPath, {
      signedData: (sd) => {
        delete sd.certificates;
      },
    });
    expect(fx.verify(bare)).toMatchObject({ valid: false, code: 'TSA_SIGNER_NOT_FOUND' });
    expect(fx.verify(bare, { untrusted: [fx.leaf] })).toMatchObject({ valid: true, signerSubject: fx.leaf.subject });
  });

  it('ignores a spoofed certificate that shares issuer and serial and comes first in the bag', async () => {
    const dir = fx.tsa.dir;
    const serial = `0x${fx.leaf.serial.toString(16)}`;
    const made = await runOpenssl(
      [
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
        'spoof.key',
        '-out',
        'spoof.csr',
        '-subj',
        '/O=AEV Test/CN=Spoofed TSA',
      ],
      dir,
    );
    expect(made.code).toBe(0);
    const signed = await runOpenssl(
      [
        'x509',
        '-req',
        '-in',
        'spoof.csr',
        '-CA',
        'root.pem',
        '-CAkey',
        'root.key',
        '-set_serial',
        serial,
        '-days',
        '30',
        '-extfile',
        'pki.cnf',
        '-extensions',
        'good',
        '-out',
        'spoof.pem',
      ],
      dir,
    );
    expect(signed.code).toBe(0);
    const [spoof] = certificatesFromPem(fs.readFileSync(path.join(dir, 'spoof.pem'), 'utf8'));
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      signedData: (sd) => {
        sd.certificates = [
          new pkijs.Certificate({ schema: asn1js.fromBER(spoof!.der).result }),
          ...(sd.certificates ?? []),
        ];
      },
    });
    const verdict = fx.verify(forged);
    expect(verdict).toMatchObject({ valid: true, signerSubject: 'O=AEV Test, CN=AEV Test TSA' });
    expect(verdict.chain?.[0]).toBe(fx.tsa.leafPem);
  });
});

describe('the ESS signing-certificate binding (RFC 2634 §5.4, RFC 5816)', () => {
  it('accepts a genuine ESSCertID v1 token', () => {
    expect(essV1.verify()).toMatchObject({ valid: true });
  });

  it('rejects a token without any signing-certificate attribute', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, { attributes: withoutEss });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_ESS_MISSING' });
  });

  it('rejects an ESS hash that names another certificate', () => {
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      attributes: (attrs) => [
        ...withoutEss(attrs),
        essV2Attribute(createHash('sha256').update(fx.tsa.rootPem).digest()),
      ],
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_ESS_MISMATCH' });
  });

  it('rejects an ESS issuerSerial with the right hash but another serial', () => {
    const hash = createHash('sha256').update(fx.leaf.der).digest();
    const good = resignToken(fx.response, fx.tsa.leafKeyPath, {
      attributes: (attrs) => [
        ...withoutEss(attrs),
        essV2Attribute(hash, { issuer: fx.leaf.cert.issuer, serial: fx.leaf.cert.serialNumber }),
      ],
    });
    expect(fx.verify(good).valid).toBe(true);
    const forged = resignToken(fx.response, fx.tsa.leafKeyPath, {
      attributes: (attrs) => [
        ...withoutEss(attrs),
        essV2Attribute(hash, { issuer: fx.leaf.cert.issuer, serial: new asn1js.Integer({ value: 99 }) }),
      ],
    });
    expect(fx.verify(forged)).toMatchObject({ valid: false, code: 'TSA_ESS_MISMATCH' });
  });

  it('checks both versions when a token carries v1 and v2', () => {
    const forged = resignToken(essV1.response, essV1.tsa.leafKeyPath, {
      attributes: (attrs) => [...attrs, essV2Attribute(new Uint8Array(32))],
    });
    expect(essV1.verify(forged)).toMatchObject({ valid: false, code: 'TSA_ESS_MISMATCH' });
  });
});
