import { bigIntToHex, integerToBigInt } from './asn1-bytes.ts';
import { decodeCached } from './cached-decode.ts';
import { checkSignature } from './cms-signature.ts';
import { validateChain } from './chain-validation.ts';
import { formatGeneralName } from './distinguished-name.ts';
import { hashByOid } from './hash-algorithms.ts';
import { checkContentTypeAttribute, checkMessageDigest } from './signed-attributes.ts';
import { checkSignerCertificate, checkTsaName } from './signer-certificate-checks.ts';
import { certificatePool, selectSigner } from './signer-selection.ts';
import { decodeEnvelope, decodeToken, type DecodedToken, type TimestampEnvelope } from './timestamp-decode.ts';
import type { ExpectedImprint, TimestampVerdict, VerifyTimestampOptions } from './timestamp-verdict.ts';
import { certificateToPem, parseCertificate } from './tsa-certificate.ts';
import { ensure, TsaCheckError } from './tsa-check-codes.ts';
import { checkAccuracy, checkImprint, checkNonce, checkPolicy, tokenAccuracy, tokenNonce } from './tst-info-checks.ts';

type Facts = { -readonly [K in keyof TimestampVerdict]?: TimestampVerdict[K] };

/** RFC 3161 §2.4.2: only granted(0) and grantedWithMods(1) carry a token. */
function checkStatus(envelope: TimestampEnvelope): void {
  const status = envelope.status;
  if (status !== undefined) {
    const detail = [...status.statusText, ...status.failInfo].join('; ');
    ensure(
      status.status === 0 || status.status === 1,
      'TSA_STATUS',
      `the TSA did not grant the request (PKIStatus ${status.status}${detail === '' ? '' : `: ${detail}`})`,
    );
  }
  ensure(envelope.tokenBlock !== undefined, 'TSA_MALFORMED', 'the response is granted but carries no token');
}

/** What the token claims, for the report; read before the checks so an invalid verdict still shows it. */
function describeToken(token: DecodedToken, facts: Facts): void {
  const tst = token.tstInfo;
  facts.genTime = tst.genTime.toISOString();
  facts.policy = tst.policy;
  facts.serialNumber = bigIntToHex(integerToBigInt(tst.serialNumber));
  facts.imprintAlgorithm = hashByOid(tst.messageImprint.hashAlgorithm.algorithmId)?.name;
  const accuracy = tokenAccuracy(tst);
  if (accuracy !== undefined) facts.accuracy = accuracy;
  const nonce = tokenNonce(tst);
  if (nonce !== undefined) facts.nonce = bigIntToHex(nonce);
  if (tst.tsa !== undefined) facts.tsaName = formatGeneralName(tst.tsa);
}

/**
 * Checks 1 to 5: the envelope, its status and the token inside. With a cache, its decoder answers when
 * it can vouch for the result (a granted, well-formed token); otherwise, and for every failure, the
 * full decode runs, so the verdict and its wording do not depend on the cache.
 */
function decode(bytes: Uint8Array, options: VerifyTimestampOptions, facts: Facts): DecodedToken | undefined {
  const form = options.form ?? 'auto';
  const cache = options.cache;
  const cached = cache === undefined ? undefined : decodeCached(bytes, form, cache);
  if (cached !== undefined) {
    if (cached.status !== undefined) facts.status = cached.status;
    return cached.token;
  }
  const envelope = decodeEnvelope(bytes, form);
  if (envelope.status !== undefined) facts.status = envelope.status;
  checkStatus(envelope);
  if (envelope.tokenBlock === undefined) return undefined;
  return decodeToken(envelope.tokenBlock, cache === undefined ? parseCertificate : (der) => cache.certificate(der));
}

/** The checks, in order; each throws a TsaCheckError with its code. See docs/rfc3161-verification.md. */
function runChecks(bytes: Uint8Array, expected: ExpectedImprint, options: VerifyTimestampOptions, facts: Facts): void {
  const token = decode(bytes, options, facts);
  if (token === undefined) return;
  describeToken(token, facts);

  // What was stamped, against what the caller expects (RFC 3161 §2.4.2).
  checkImprint(token, expected);
  checkNonce(token, options);
  checkPolicy(token, options);
  checkAccuracy(token, options);

  // The CMS envelope binds the signature to this TSTInfo (RFC 5652 §5.3, §11).
  checkContentTypeAttribute(token);
  checkMessageDigest(token);

  // Who signed: by sid, bound by ESS, then the signature itself (RFC 5652 §5.6, RFC 5816).
  const pool = certificatePool(token.certificates, options.untrusted ?? []);
  const signer = selectSigner(token, pool);
  facts.signerSubject = signer.subject;
  const cache = options.cache;
  checkSignature(token, signer, cache?.publicKey(signer));

  // What the signer is allowed to be (RFC 3161 §2.3, §2.4.2): EKU, keyUsage, not a CA, then its name.
  if (cache === undefined) checkSignerCertificate(signer);
  else cache.checkSignerCertificate(signer);
  checkTsaName(token, signer);

  // Whom it chains to, judged at genTime (RFC 3161 Appendix B).
  const chain = validateChain(signer, pool, options.trustAnchors, token.tstInfo.genTime, cache?.issuerCheck);
  facts.chain = chain.map((cert) => (cache === undefined ? certificateToPem(cert) : cache.pem(cert)));
}

/**
 * Verifies an RFC 3161 TimeStampResp or TimeStampToken offline against the expected imprint and a
 * dedicated TSA trust store. Never throws: garbage in gives a coded invalid verdict.
 */
export function verifyTimestamp(
  bytes: Uint8Array,
  expected: ExpectedImprint,
  options: VerifyTimestampOptions,
): TimestampVerdict {
  const facts: Facts = {};
  try {
    runChecks(bytes, expected, options, facts);
    return { ...facts, valid: true };
  } catch (error) {
    delete facts.chain;
    if (error instanceof TsaCheckError) return { ...facts, valid: false, code: error.code, message: error.message };
    // pkijs and asn1js throw plain errors on structures that do not fit the ASN.1 schema.
    const reason = error instanceof Error ? error.message : String(error);
    return { ...facts, valid: false, code: 'TSA_MALFORMED', message: `cannot decode the time-stamp: ${reason}` };
  }
}
