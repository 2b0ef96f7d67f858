import { constants, createHash, createPrivateKey, sign } from 'node:crypto';
import fs from 'node:fs';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * Takes a real openssl-made TimeStampResp, changes one thing, and signs it again with the TSA's own
 * key, so a test can break exactly one rule while everything else (signature included) stays valid.
 * The signature is computed here over the signed attributes in the order given (RFC 5652 §5.4).
 */
export interface TokenEdit {
  /** Change the TSTInfo; the message-digest attribute is recomputed unless `keepMessageDigest`. */
  readonly tstInfo?: (tst: pkijs.TSTInfo) => void;
  readonly keepMessageDigest?: boolean;
  readonly eContentType?: string;
  /** Change the signed attributes (after the digest is recomputed). */
  readonly attributes?: (attrs: pkijs.Attribute[]) => pkijs.Attribute[];
  /** Change the SignedData after signing (certificates, SignerInfos, sid, signature). */
  readonly signedData?: (sd: pkijs.SignedData) => void;
  /** Sign with this key instead (PEM path). */
  readonly keyPath?: string;
  /** Sign with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) instead of PKCS#1 v1.5. */
  readonly pss?: boolean;
}

export const OIDS = {
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  essV1: '1.2.840.113549.1.9.16.2.12',
  essV2: '1.2.840.113549.1.9.16.2.47',
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
};

/** The outer SEQUENCE of a DER/BER value. */
export function parseSequence(bytes: Uint8Array): asn1js.Sequence {
  const root = asn1js.fromBER(bytes).result;
  if (!(root instanceof asn1js.Sequence)) throw new Error('not a SEQUENCE');
  return root;
}

export function parseResponse(response: Uint8Array): { status: asn1js.AsnType; signedData: pkijs.SignedData } {
  const root = parseSequence(response);
  const [status, token] = root.valueBlock.value;
  const contentInfo = new pkijs.ContentInfo({ schema: token });
  return { status: status!, signedData: new pkijs.SignedData({ schema: contentInfo.content }) };
}

export function tstInfoOf(signedData: pkijs.SignedData): pkijs.TSTInfo {
  const eContent = signedData.encapContentInfo.eContent!;
  return new pkijs.TSTInfo({ schema: asn1js.fromBER(eContent.valueBlock.valueHexView).result });
}

/** TimeStampResp around a SignedData: SEQUENCE { PKIStatusInfo, ContentInfo } (RFC 3161 §2.4.2). */
export function assembleResponse(
  status: asn1js.AsnType,
  signedData: pkijs.SignedData,
  contentType = OIDS.signedData,
): Uint8Array {
  const contentInfo = new pkijs.ContentInfo({ contentType, content: signedData.toSchema(true) });
  return new Uint8Array(new asn1js.Sequence({ value: [status, contentInfo.toSchema()] }).toBER(false));
}

/** The bare token (ContentInfo) inside a TimeStampResp. */
export function tokenOf(response: Uint8Array): Uint8Array {
  const root = parseSequence(response);
  return new Uint8Array(root.valueBlock.value[1]!.toBER(false));
}

/** RFC 4055 §3.1 RSASSA-PSS-params for SHA-256 with MGF1-SHA-256 and a 32-byte salt. */
function pssAlgorithm(): pkijs.AlgorithmIdentifier {
  const sha256 = new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1' });
  const params = new pkijs.RSASSAPSSParams({
    hashAlgorithm: sha256,
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: '1.2.840.113549.1.1.8',
      algorithmParams: sha256.toSchema(),
    }),
    saltLength: 32,
  });
  return new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.10', algorithmParams: params.toSchema() });
}

export function resignToken(response: Uint8Array, keyPath: string, edit: TokenEdit): Uint8Array {
  const { status, signedData } = parseResponse(response);
  const tst = tstInfoOf(signedData);
  edit.tstInfo?.(tst);
  const tstDer = new Uint8Array(tst.toSchema().toBER(false));
  signedData.encapContentInfo = new pkijs.EncapsulatedContentInfo({
    eContentType: edit.eContentType ?? signedData.encapContentInfo.eContentType,
  });
  // Set afterwards: the constructor would split it into a constructed (BER) OCTET STRING, and TSAs
  // send DER, which is also what the bulk verifier's fast decoder takes (cached-decode.ts).
  signedData.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: tstDer });
  const signerInfo = signedData.signerInfos[0]!;
  let attributes = signerInfo.signedAttrs!.attributes.map((a) => new pkijs.Attribute({ schema: a.toSchema() }));
  if (edit.keepMessageDigest !== true) {
    const digest = createHash('sha256').update(tstDer).digest();
    attributes = attributes.map((a) =>
      a.type === OIDS.messageDigest
        ? new pkijs.Attribute({ type: a.type, values: [new asn1js.OctetString({ valueHex: digest })] })
        : a,
    );
  }
  attributes = edit.attributes?.(attributes) ?? attributes;
  signerInfo.signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
  const signedBytes = new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER(false);
  const key = createPrivateKey(fs.readFileSync(edit.keyPath ?? keyPath));
  const signature =
    edit.pss === true
      ? sign('sha256', Buffer.from(signedBytes), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign('sha256', Buffer.from(signedBytes), key);
  if (edit.pss === true) signerInfo.signatureAlgorithm = pssAlgorithm();
  signerInfo.signature = new asn1js.OctetString({ valueHex: signature });
  edit.signedData?.(signedData);
  return assembleResponse(status, signedData);
}

/** Flips one bit of `bytes` at `index` (negative counts from the end). */
export function flipByte(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const at = index < 0 ? copy.byteLength + index : index;
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}
