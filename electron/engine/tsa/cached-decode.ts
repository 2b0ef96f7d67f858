import * as asn1js from 'asn1js';
import { parseExact } from './asn1-bytes.ts';
import { cachedSignerInfo, cachedTstInfo } from './cached-fields.ts';
import { readChildren, readWhole, TAG, tlvBytes, type Tlv } from './der-tlv.ts';
import { parseTstInfo, type DecodedToken, type TimestampForm, type TimestampStatus } from './timestamp-decode.ts';
import type { TsaVerificationCache } from './verification-cache.ts';

/** What decodeEnvelope and decodeToken would have produced for a granted response or a bare token. */
export interface CachedDecode {
  readonly status?: TimestampStatus;
  readonly token: DecodedToken;
}

/** DER of the OBJECT IDENTIFIER id-signedData, 1.2.840.113549.1.7.2 (RFC 5652 §5.1). */
const SIGNED_DATA_OID = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02);
/** DER of id-ct-TSTInfo, 1.2.840.113549.1.9.16.1.4 (RFC 3161 §2.4.2). */
const TST_INFO_OID = Uint8Array.of(0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04);

/**
 * The full path parses the whole time-stamp in one asn1js call, which fails past DEFAULT_MAX_NODES
 * nodes or DEFAULT_MAX_DEPTH levels; parsing the parts one by one must fail exactly then too.
 * Nodes: asn1js counts one per value it starts decoding (embedded decodes of OCTET and BIT STRING
 * contents included), each at a different byte offset, so an input of at most DEFAULT_MAX_NODES
 * bytes never reaches the limit, whole or in parts; we decline anything larger. Depth: a part that
 * sits `d` levels down in the whole is parsed with `DEFAULT_MAX_DEPTH - d`, so every nested value
 * (embedded decodes included) meets the limit at the same place.
 */
const MAX_BYTES = asn1js.DEFAULT_MAX_NODES;

function depthBelow(levels: number): number {
  return asn1js.DEFAULT_MAX_DEPTH - levels;
}

function hasTags(children: readonly Tlv[], tags: readonly number[]): boolean {
  return children.length === tags.length && children.every((c, i) => c.tag === tags[i]);
}

function isExactly(bytes: Uint8Array, tlv: Tlv, der: Uint8Array): boolean {
  return Buffer.compare(tlvBytes(bytes, tlv), der) === 0;
}

/**
 * The TSTInfo octets of an EncapsulatedContentInfo (RFC 5652 §5.2) of exactly this DER shape:
 * SEQUENCE { id-ct-TSTInfo, [0] EXPLICIT OCTET STRING (primitive) }. What pkijs and
 * encapsulatedTstInfo would take from it, without decoding it twice (asn1js also tries to decode
 * the octets when it meets them). Otherwise undefined.
 */
function tstInfoOctets(bytes: Uint8Array, encap: Tlv): Uint8Array | undefined {
  const fields = readChildren(bytes, encap);
  if (fields === undefined || !hasTags(fields, [TAG.oid, TAG.context0])) return undefined;
  const [type, explicit] = fields as [Tlv, Tlv];
  if (!isExactly(bytes, type, TST_INFO_OID)) return undefined;
  const content = readChildren(bytes, explicit);
  if (content === undefined || !hasTags(content, [TAG.octetString])) return undefined;
  const octets = content[0] as Tlv;
  return bytes.slice(octets.contentStart, octets.end);
}

/** Where the parts of a SignedData sit, and how deep: the root is level 0. */
interface Layout {
  readonly status?: Tlv;
  /** version, digestAlgorithms, encapContentInfo, [certificates,] signerInfos */
  readonly parts: readonly Tlv[];
  readonly signer: Tlv;
  /** The level of the SignedData's parts (the SignerInfo is one below). */
  readonly partsLevel: number;
}

/**
 * The SignedData (RFC 5652 §5.1) of a DER TimeStampResp or ContentInfo, in the one shape a TSA
 * sends: SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL,
 * signerInfos with one SignerInfo }, no crls. Any other shape gives undefined.
 */
function layout(bytes: Uint8Array, form: TimestampForm): Layout | undefined {
  const root = readWhole(bytes, TAG.sequence);
  const top = root === undefined ? undefined : readChildren(bytes, root);
  if (top === undefined) return undefined;
  let status: Tlv | undefined;
  let contentInfo: Tlv[] | undefined;
  let level: number;
  if (top[0]?.tag === TAG.oid) {
    // A bare TimeStampToken: the root is the ContentInfo (level 0).
    if (form === 'response') return undefined;
    contentInfo = top;
    level = 0;
  } else {
    const [statusTlv, tokenTlv] = top;
    if (form === 'token' || !hasTags(top, [TAG.sequence, TAG.sequence]) || tokenTlv === undefined) return undefined;
    status = statusTlv;
    contentInfo = readChildren(bytes, tokenTlv);
    level = 1;
  }
  if (contentInfo === undefined || !hasTags(contentInfo, [TAG.oid, TAG.context0])) return undefined;
  const [oid, explicit] = contentInfo as [Tlv, Tlv];
  if (!isExactly(bytes, oid, SIGNED_DATA_OID)) return undefined;
  const wrapped = readChildren(bytes, explicit);
  if (wrapped === undefined || !hasTags(wrapped, [TAG.sequence])) return undefined;
  const parts = readChildren(bytes, wrapped[0] as Tlv);
  if (parts === undefined) return undefined;
  const head = [TAG.integer, TAG.set, TAG.sequence];
  if (!hasTags(parts, [...head, TAG.set]) && !hasTags(parts, [...head, TAG.context0, TAG.set])) return undefined;
  const signers = readChildren(bytes, parts[parts.length - 1] as Tlv);
  if (signers === undefined || !hasTags(signers, [TAG.sequence])) return undefined;
  // ContentInfo, its [0], the SignedData, then the parts.
  const partsLevel = level + 3;
  return { ...(status === undefined ? {} : { status }), parts, signer: signers[0] as Tlv, partsLevel };
}

function decodeParts(bytes: Uint8Array, form: TimestampForm, cache: TsaVerificationCache): CachedDecode | undefined {
  if (bytes.byteLength > MAX_BYTES) return undefined;
  const found = layout(bytes, form);
  if (found === undefined) return undefined;
  const partDepth = depthBelow(found.partsLevel);
  const [version, digestAlgorithms, encap, certificates] = found.parts as [Tlv, Tlv, Tlv, Tlv | undefined];
  // A refused or odd status: the full path words the verdict (RFC 3161 §2.4.2).
  const status = found.status === undefined ? undefined : cache.status(tlvBytes(bytes, found.status), depthBelow(1));
  if (status !== undefined && status.status !== 0 && status.status !== 1) return undefined;
  const head = cache.signedDataHeadIsValid(tlvBytes(bytes, version), tlvBytes(bytes, digestAlgorithms), partDepth);
  if (!head) return undefined;
  const tstInfoDer = tstInfoOctets(bytes, encap);
  if (tstInfoDer === undefined) return undefined;
  const bag = certificates?.tag === TAG.context0 ? cache.certificateBag(tlvBytes(bytes, certificates), partDepth) : [];
  const signerDepth = depthBelow(found.partsLevel + 1);
  const signerInfo = cachedSignerInfo(
    parseExact(tlvBytes(bytes, found.signer), 'SignerInfo', signerDepth),
    cache,
    signerDepth,
  );
  const tstInfo = parseTstInfo(tstInfoDer, (block) => cachedTstInfo(block, cache));
  return {
    ...(status === undefined ? {} : { status }),
    token: { signerInfo, tstInfoDer, tstInfo, certificates: [...bag] },
  };
}

/**
 * The bulk verifier's decoder: the parts that change from token to token (SignerInfo, TSTInfo) are
 * parsed each time, the ones that do not (status, version, digestAlgorithms, certificates) come from
 * the cache, each judged by the same asn1js limits and pkijs schema and parse the full SignedData
 * parse applies to it. It vouches only for what it fully understood: a granted response or a token
 * whose outer layers (TimeStampResp, ContentInfo, SignedData) are strict DER, and that decodes
 * without error. For anything else (BER outer layers, crls, a refusal, several SignerInfos, any
 * failure) it gives undefined and the full path decides and words the verdict, so a verdict never
 * depends on which decoder ran.
 */
export function decodeCached(
  bytes: Uint8Array,
  form: TimestampForm,
  cache: TsaVerificationCache,
): CachedDecode | undefined {
  try {
    return decodeParts(bytes, form, cache);
  } catch {
    return undefined;
  }
}
