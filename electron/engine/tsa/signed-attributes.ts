import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { bytesEqual } from './asn1-bytes.ts';
import { digest, hashByOid, type HashName } from './hash-algorithms.ts';
import type { DecodedToken } from './timestamp-decode.ts';
import { ensure, TsaCheckError } from './tsa-check-codes.ts';
import { OID } from './tsa-oids.ts';

/** RFC 3161 §2.4.1: the ESS signing-certificate attribute is required, so signed attributes must be present. */
function requireSignedAttributes(token: DecodedToken): pkijs.SignedAndUnsignedAttributes {
  const attrs = token.signerInfo.signedAttrs;
  ensure(
    attrs !== undefined && attrs.encodedValue.byteLength > 0,
    'TSA_MALFORMED',
    'SignerInfo has no signed attributes (RFC 3161 §2.4.1 requires them)',
  );
  return attrs;
}

/**
 * RFC 5652 §5.4: the signature covers the DER of the SignedAttributes with an explicit SET OF tag
 * (0x31) instead of the IMPLICIT [0] (0xA0) it carries. We take the bytes as received and change only
 * that tag: re-encoding (reordering the SET, shortening a length) would change what was signed, and a
 * BER token (one of our vectors) carries its attributes in the order the TSA signed them.
 */
export function signedAttributesBytes(token: DecodedToken): Uint8Array {
  const bytes = new Uint8Array(requireSignedAttributes(token).encodedValue.slice(0));
  bytes[0] = 0x31;
  return bytes;
}

/**
 * The one value of a signed attribute, or undefined when the attribute is absent. RFC 5652 §11.1/§11.2
 * (and RFC 2634 §5.4 for ESS): these attributes appear once, with exactly one value.
 */
export function singleAttributeValue(token: DecodedToken, oid: string, name: string): asn1js.AsnType | undefined {
  const matches = (token.signerInfo.signedAttrs?.attributes ?? []).filter((a) => a.type === oid);
  if (matches.length === 0) return undefined;
  const [attribute] = matches;
  ensure(
    matches.length === 1 && attribute !== undefined,
    'TSA_MALFORMED',
    `the ${name} attribute appears more than once`,
  );
  ensure(attribute.values.length === 1, 'TSA_MALFORMED', `the ${name} attribute must have exactly one value`);
  return attribute.values[0] as asn1js.AsnType;
}

/** The SignerInfo digestAlgorithm (RFC 5652 §5.3), SHA-2 only. */
export function signerDigestAlgorithm(token: DecodedToken): HashName {
  const oid = token.signerInfo.digestAlgorithm.algorithmId;
  const hash = hashByOid(oid);
  if (hash === undefined) throw new TsaCheckError('TSA_SIGNATURE', `unsupported SignerInfo digest algorithm ${oid}`);
  // SHA-1 collisions are practical (SHAttered, 2017): a SHA-1 signed-attribute digest cannot be trusted.
  ensure(hash.name !== 'SHA-1', 'TSA_SHA1_REJECTED', 'the SignerInfo digest algorithm is SHA-1');
  return hash.name;
}

/** RFC 5652 §11.1: the content-type attribute must be present and equal the eContentType. */
export function checkContentTypeAttribute(token: DecodedToken): void {
  requireSignedAttributes(token);
  const value = singleAttributeValue(token, OID.contentTypeAttr, 'content-type');
  ensure(value !== undefined, 'TSA_CONTENT_TYPE', 'the content-type signed attribute is missing');
  ensure(
    value instanceof asn1js.ObjectIdentifier && value.valueBlock.toString() === OID.tstInfo,
    'TSA_CONTENT_TYPE',
    'the content-type signed attribute is not id-ct-TSTInfo',
  );
}

/** RFC 5652 §11.2 and §5.4: the message-digest attribute is the digest of the TSTInfo octets. */
export function checkMessageDigest(token: DecodedToken): void {
  const value = singleAttributeValue(token, OID.messageDigestAttr, 'message-digest');
  ensure(value !== undefined, 'TSA_MESSAGE_DIGEST', 'the message-digest signed attribute is missing');
  ensure(
    value instanceof asn1js.OctetString,
    'TSA_MESSAGE_DIGEST',
    'the message-digest attribute is not an OCTET STRING',
  );
  const expected = digest(signerDigestAlgorithm(token), token.tstInfoDer);
  ensure(
    bytesEqual(new Uint8Array(value.valueBlock.valueHexView), expected),
    'TSA_MESSAGE_DIGEST',
    'the message-digest signed attribute does not match the TSTInfo',
  );
}
