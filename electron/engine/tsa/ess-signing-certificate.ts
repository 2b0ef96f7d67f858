import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual, integerToBigInt } from './asn1-bytes.ts';
import { namesEqual } from './distinguished-name.ts';
import { digest, hashByOid, type HashName } from './hash-algorithms.ts';
import { singleAttributeValue } from './signed-attributes.ts';
import type { DecodedToken } from './timestamp-decode.ts';
import type { TsaCertificate } from './tsa-certificate.ts';
import { ensure, TsaCheckError } from './tsa-check-codes.ts';
import { OID } from './tsa-oids.ts';

/** One ESSCertID (RFC 2634 §5.4.1) or ESSCertIDv2 (RFC 5035 §4): a hash of the signer's DER and, optionally, its issuer and serial. */
export interface EssCertId {
  readonly version: 1 | 2;
  readonly hash: HashName;
  readonly certHash: Uint8Array;
  readonly issuerSerial?: { readonly issuers: readonly pkijs.RelativeDistinguishedNames[]; readonly serial: bigint };
}

function malformed(what: string): never {
  throw new TsaCheckError('TSA_MALFORMED', `the ESS signing-certificate attribute is malformed: ${what}`);
}

/** IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber } (RFC 5035 §4). */
function parseIssuerSerial(block: asn1js.AsnType): EssCertId['issuerSerial'] {
  if (!(block instanceof asn1js.Sequence)) malformed('issuerSerial is not a SEQUENCE');
  const [names, serial] = block.valueBlock.value;
  if (!(names instanceof asn1js.Sequence) || !(serial instanceof asn1js.Integer)) malformed('bad issuerSerial');
  const issuers = names.valueBlock.value
    .map((n) => new pkijs.GeneralName({ schema: n }))
    .flatMap((n) => (n.value instanceof pkijs.RelativeDistinguishedNames ? [n.value] : []));
  return { issuers, serial: integerToBigInt(serial) };
}

/**
 * The first ESSCertID of a SigningCertificate(V2) value. RFC 2634 §5.4.1 / RFC 5035 §3: "The first
 * certificate identified in the sequence of certificate identifiers MUST be the certificate used to
 * verify the signature."
 */
function parseFirstCertId(value: asn1js.AsnType, version: 1 | 2): EssCertId {
  if (!(value instanceof asn1js.Sequence)) malformed('not a SEQUENCE');
  const certs = value.valueBlock.value[0];
  if (!(certs instanceof asn1js.Sequence)) malformed('certs is not a SEQUENCE');
  const first = certs.valueBlock.value[0];
  if (!(first instanceof asn1js.Sequence)) malformed('no ESSCertID');
  const fields = [...first.valueBlock.value];
  let hash: HashName = version === 1 ? 'SHA-1' : 'SHA-256';
  // ESSCertIDv2 hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256} (RFC 5035 §4).
  if (version === 2 && fields[0] instanceof asn1js.Sequence) {
    const algorithm = new pkijs.AlgorithmIdentifier({ schema: fields.shift() });
    const info = hashByOid(algorithm.algorithmId);
    if (info === undefined) malformed(`unknown hash ${algorithm.algorithmId}`);
    hash = info.name;
  }
  const [certHash, issuerSerial] = fields;
  if (!(certHash instanceof asn1js.OctetString)) malformed('certHash is not an OCTET STRING');
  const base = { version, hash, certHash: new Uint8Array(certHash.valueBlock.valueHexView) };
  return issuerSerial === undefined ? base : { ...base, issuerSerial: parseIssuerSerial(issuerSerial) };
}

/** RFC 3161 §2.4.1 (v1) and RFC 5816 §2.2.1 (v2): the signing-certificate attributes present in the token. */
export function essCertIds(token: DecodedToken): readonly EssCertId[] {
  const ids: EssCertId[] = [];
  const v1 = singleAttributeValue(token, OID.signingCertificate, 'ESS signing-certificate');
  if (v1 !== undefined) ids.push(parseFirstCertId(v1, 1));
  const v2 = singleAttributeValue(token, OID.signingCertificateV2, 'ESS signing-certificate-v2');
  if (v2 !== undefined) ids.push(parseFirstCertId(v2, 2));
  ensure(ids.length > 0, 'TSA_ESS_MISSING', 'the token has no ESS signing-certificate (v1 or v2) attribute');
  return ids;
}

/** Why `cert` is not the one an ESSCertID names, or undefined when it is. */
export function essMismatch(id: EssCertId, cert: TsaCertificate): string | undefined {
  if (!bytesEqual(digest(id.hash, cert.der), id.certHash)) {
    return `ESSCertID${id.version === 2 ? 'v2' : ''} ${id.hash} hash does not match the signer certificate`;
  }
  if (id.issuerSerial === undefined) return undefined;
  if (id.issuerSerial.serial !== cert.serial) return 'ESS issuerSerial names a different serial number';
  if (!id.issuerSerial.issuers.some((name) => namesEqual(name, cert.cert.issuer))) {
    return 'ESS issuerSerial names a different issuer';
  }
  return undefined;
}
