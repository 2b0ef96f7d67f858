import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { octetStringContent, originalBytes, parseExact } from './asn1-bytes.ts';
import { parseCertificate, type TsaCertificate } from './tsa-certificate.ts';
import { ensure, TsaCheckError } from './tsa-check-codes.ts';
import { OID } from './tsa-oids.ts';

/** Which encoding the caller hands over: a full TimeStampResp, a bare TimeStampToken, or either. */
export type TimestampForm = 'response' | 'token' | 'auto';

/** RFC 3161 §2.4.2 PKIFailureInfo bit names, for messages and for the client's retry decision. */
const FAILURE_BITS: Readonly<Record<number, string>> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

/** RFC 3161 §2.4.2 PKIStatusInfo, in plain data. */
export interface TimestampStatus {
  /** 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning, 5 revocationNotification. */
  readonly status: number;
  readonly statusText: readonly string[];
  readonly failInfo: readonly string[];
}

export interface TimestampEnvelope {
  readonly form: 'response' | 'token';
  /** Present for a TimeStampResp only. */
  readonly status?: TimestampStatus;
  /** The ContentInfo, absent when the TSA refused. */
  readonly tokenBlock?: asn1js.AsnType;
  readonly tokenDer?: Uint8Array;
}

/** Everything the checks read from a token, with the raw bytes that hashes and signatures cover. */
export interface DecodedToken {
  readonly signerInfo: pkijs.SignerInfo;
  /** The eContent octets: the DER TSTInfo the message-digest attribute covers (RFC 5652 §5.4). */
  readonly tstInfoDer: Uint8Array;
  readonly tstInfo: pkijs.TSTInfo;
  /** The embedded certificates exactly as encoded (ESS hashes cover these bytes). */
  readonly certificates: readonly TsaCertificate[];
}

function failureNames(bits: asn1js.BitString | undefined): string[] {
  if (bits === undefined) return [];
  const bytes = bits.valueBlock.valueHexView;
  const names: string[] = [];
  for (let i = 0; i < bytes.byteLength * 8; i++) {
    if ((((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) names.push(FAILURE_BITS[i] ?? `bit${i}`);
  }
  return names;
}

/** RFC 3161 §2.4.2 PKIStatusInfo as plain data; throws when the block does not fit its schema. */
export function statusOf(block: asn1js.AsnType): TimestampStatus {
  const info = new pkijs.PKIStatusInfo({ schema: block });
  return {
    status: info.status,
    statusText: (info.statusStrings ?? []).map((s) => s.valueBlock.value),
    failInfo: failureNames(info.failInfo),
  };
}

/**
 * RFC 3161 §2.4.2: TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken OPTIONAL };
 * a bare TimeStampToken is a ContentInfo, whose first element is an OID rather than a SEQUENCE.
 */
export function decodeEnvelope(bytes: Uint8Array, form: TimestampForm): TimestampEnvelope {
  const root = parseExact(bytes, 'time-stamp');
  ensure(root instanceof asn1js.Sequence, 'TSA_MALFORMED', 'time-stamp is not a SEQUENCE');
  const [first, second, ...rest] = root.valueBlock.value;
  const isToken = first instanceof asn1js.ObjectIdentifier;
  if (form === 'response' && isToken) {
    throw new TsaCheckError(
      'TSA_MALFORMED',
      'this is a bare TimeStampToken, not a TimeStampResp (treat it as a token)',
    );
  }
  if (form === 'token' && !isToken) {
    throw new TsaCheckError('TSA_MALFORMED', 'this is not a bare TimeStampToken (ContentInfo); is it a TimeStampResp?');
  }
  if (isToken) return { form: 'token', tokenBlock: root, tokenDer: bytes };
  ensure(first !== undefined && rest.length === 0, 'TSA_MALFORMED', 'TimeStampResp has the wrong number of fields');
  const status = statusOf(first);
  if (second === undefined) return { form: 'response', status };
  return { form: 'response', status, tokenBlock: second, tokenDer: originalBytes(second) };
}

/**
 * RFC 5652 §5.1: the X.509 entries of a SignedData `certificates [0] IMPLICIT CertificateSet`, each
 * parsed from its bytes as received. CertificateChoices: only the untagged SEQUENCE is an X.509
 * certificate; attribute and other formats are skipped.
 */
export function embeddedCertificates(
  set: asn1js.AsnType | undefined,
  parse: (der: Uint8Array) => TsaCertificate = parseCertificate,
): TsaCertificate[] {
  if (!(set instanceof asn1js.Constructed)) return [];
  return set.valueBlock.value
    .filter((b) => b.idBlock.tagClass === 1 && b.idBlock.tagNumber === 16)
    .map((b) => parse(originalBytes(b)));
}

/** RFC 3161 §2.4.2: the encapsulated content is a version 1 TSTInfo; returns it with its octets. */
export function encapsulatedTstInfo(
  encap: pkijs.EncapsulatedContentInfo,
): Pick<DecodedToken, 'tstInfoDer' | 'tstInfo'> {
  const { eContentType, eContent } = encap;
  ensure(eContentType === OID.tstInfo, 'TSA_CONTENT_TYPE', `eContentType is ${eContentType}, not id-ct-TSTInfo`);
  ensure(eContent !== undefined, 'TSA_MALFORMED', 'token has no encapsulated TSTInfo');
  const tstInfoDer = octetStringContent(eContent, 'eContent');
  return { tstInfoDer, tstInfo: parseTstInfo(tstInfoDer) };
}

/**
 * RFC 3161 §2.4.2: the TSTInfo in the eContent octets, version 1. `build` makes the pkijs TSTInfo
 * from the parsed block (a bulk verifier's cache passes its own, which builds the same object).
 */
export function parseTstInfo(
  tstInfoDer: Uint8Array,
  build: (block: asn1js.AsnType) => pkijs.TSTInfo = (block) => new pkijs.TSTInfo({ schema: block }),
): pkijs.TSTInfo {
  const tstInfo = build(parseExact(tstInfoDer, 'TSTInfo'));
  // RFC 3161 §2.4.2: version INTEGER { v1(1) }.
  ensure(tstInfo.version === 1, 'TSA_MALFORMED', `TSTInfo version ${tstInfo.version} is not 1`);
  return tstInfo;
}

/**
 * RFC 3161 §2.4.2 and RFC 5652 §5: unwraps ContentInfo -> SignedData -> TSTInfo. `parse` turns each
 * embedded certificate's DER into a TsaCertificate (a bulk verifier's cache passes its own).
 */
export function decodeToken(
  tokenBlock: asn1js.AsnType,
  parse: (der: Uint8Array) => TsaCertificate = parseCertificate,
): DecodedToken {
  const contentInfo = new pkijs.ContentInfo({ schema: tokenBlock });
  ensure(
    contentInfo.contentType === OID.signedData,
    'TSA_CONTENT_TYPE',
    `token content type is ${contentInfo.contentType}, not id-signedData`,
  );
  const content = contentInfo.content as asn1js.AsnType;
  const signedData = new pkijs.SignedData({ schema: content });
  // RFC 3161 §2.4.1: the token is signed by the TSA alone, so there is exactly one SignerInfo.
  ensure(
    signedData.signerInfos.length === 1,
    'TSA_SIGNER_INFO_COUNT',
    `token has ${signedData.signerInfos.length} SignerInfos; RFC 3161 requires exactly one`,
  );
  const signerInfo = signedData.signerInfos[0];
  ensure(signerInfo !== undefined, 'TSA_SIGNER_INFO_COUNT', 'token has no SignerInfo');
  const { tstInfoDer, tstInfo } = encapsulatedTstInfo(signedData.encapContentInfo);
  const certificateSet =
    content instanceof asn1js.Sequence
      ? content.valueBlock.value.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0)
      : undefined;
  return { signerInfo, tstInfoDer, tstInfo, certificates: embeddedCertificates(certificateSet, parse) };
}
