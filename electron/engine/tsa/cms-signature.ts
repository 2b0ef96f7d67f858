import { constants, verify, type KeyObject, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from 'node:crypto';
import * as pkijs from 'pkijs';
import { hashByName, hashByOid, signatureHashName, type HashName } from './hash-algorithms.ts';
import { signedAttributesBytes, signerDigestAlgorithm } from './signed-attributes.ts';
import type { DecodedToken } from './timestamp-decode.ts';
import type { TsaCertificate } from './tsa-certificate.ts';
import { ensure, TsaCheckError } from './tsa-check-codes.ts';
import { OID } from './tsa-oids.ts';

interface SignatureScheme {
  /** Hash handed to node:crypto; null for Ed25519, which hashes internally. */
  readonly hash: HashName | null;
  readonly key: VerifyKeyObjectInput | VerifyPublicKeyInput | KeyObject;
}

/** RFC 4055 §3.1 RSASSA-PSS-params: the hash and its MGF1 hash must agree, and must not be SHA-1. */
function pssScheme(algorithm: pkijs.AlgorithmIdentifier, key: KeyObject): SignatureScheme {
  ensure(algorithm.algorithmParams !== undefined, 'TSA_SIGNATURE', 'RSASSA-PSS without parameters');
  const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
  const hash = hashByOid(params.hashAlgorithm.algorithmId);
  ensure(hash !== undefined, 'TSA_SIGNATURE', `unsupported PSS hash ${params.hashAlgorithm.algorithmId}`);
  ensure(hash.name !== 'SHA-1', 'TSA_SHA1_REJECTED', 'the RSASSA-PSS signature uses SHA-1');
  const mgfParams = params.maskGenAlgorithm.algorithmParams as unknown;
  const mgfHash = mgfParams === undefined ? undefined : new pkijs.AlgorithmIdentifier({ schema: mgfParams });
  ensure(mgfHash?.algorithmId === hash.oid, 'TSA_SIGNATURE', 'RSASSA-PSS MGF1 hash differs from the message hash');
  return { hash: hash.name, key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength } };
}

/**
 * RFC 5652 §5.3 signatureAlgorithm, paired with the SignerInfo digestAlgorithm. Accepts RSA PKCS#1 v1.5
 * (rsaEncryption or shaNNNWithRSAEncryption, RFC 5754 §3.2), RSASSA-PSS (RFC 4056), ECDSA (RFC 5753
 * §7.1.3, with ecPublicKey tolerated as the algorithm) and Ed25519 (RFC 8419).
 */
function signatureScheme(token: DecodedToken, key: KeyObject): SignatureScheme {
  const digestHash = signerDigestAlgorithm(token);
  const algorithm = token.signerInfo.signatureAlgorithm;
  const oid = algorithm.algorithmId;
  if (oid === OID.rsassaPss) {
    const scheme = pssScheme(algorithm, key);
    ensure(scheme.hash === digestHash, 'TSA_SIGNATURE', 'RSASSA-PSS hash differs from the SignerInfo digest algorithm');
    return scheme;
  }
  if (oid === OID.ed25519) return { hash: null, key };
  if (oid === OID.rsaEncryption) return { hash: digestHash, key: { key, padding: constants.RSA_PKCS1_PADDING } };
  if (oid === OID.ecPublicKey) return { hash: digestHash, key: { key, dsaEncoding: 'der' } };
  const named = signatureHashName(oid);
  if (named === undefined) throw new TsaCheckError('TSA_SIGNATURE', `unsupported signature algorithm ${oid}`);
  ensure(named !== 'SHA-1', 'TSA_SHA1_REJECTED', 'the signature algorithm uses SHA-1');
  ensure(
    named === digestHash,
    'TSA_SIGNATURE',
    `signature algorithm hash ${named} differs from digest algorithm ${digestHash}`,
  );
  const isEcdsa = oid.startsWith('1.2.840.10045.4.');
  return {
    hash: named,
    key: isEcdsa ? { key, dsaEncoding: 'der' } : { key, padding: constants.RSA_PKCS1_PADDING },
  };
}

/**
 * RFC 5652 §5.6: the signature over the DER signed attributes verifies with the signer's public key
 * (`key`, the one of `signer`: a bulk verifier passes the one it keeps).
 */
export function checkSignature(token: DecodedToken, signer: TsaCertificate, key?: KeyObject): void {
  const signedBytes = signedAttributesBytes(token);
  const signature = new Uint8Array(token.signerInfo.signature.valueBlock.valueHexView);
  const scheme = signatureScheme(token, key ?? signer.x509.publicKey);
  let ok: boolean;
  try {
    const hash = scheme.hash === null ? null : hashByName(scheme.hash).node;
    ok = verify(hash, signedBytes, scheme.key, signature);
  } catch (error) {
    // A key that does not fit the algorithm (an EC key for RSA, say) or a mangled signature encoding.
    throw new TsaCheckError(
      'TSA_SIGNATURE',
      `signature check failed: ${error instanceof Error ? error.message : 'error'}`,
    );
  }
  ensure(ok, 'TSA_SIGNATURE', `the signature does not verify with the key of ${signer.subject}`);
}
