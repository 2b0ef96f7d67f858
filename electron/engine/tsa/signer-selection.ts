import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual, integerToBigInt, toHex } from './asn1-bytes.ts';
import { formatName, namesEqual } from './distinguished-name.ts';
import { essCertIds, essMismatch } from './ess-signing-certificate.ts';
import type { DecodedToken } from './timestamp-decode.ts';
import { subjectKeyIdentifier, type TsaCertificate } from './tsa-certificate.ts';
import { TsaCheckError } from './tsa-check-codes.ts';

/** RFC 5652 §5.3 SignerIdentifier: issuerAndSerialNumber, or [0] subjectKeyIdentifier. */
type SignerId =
  | { readonly kind: 'issuerSerial'; readonly issuer: pkijs.RelativeDistinguishedNames; readonly serial: bigint }
  | { readonly kind: 'keyId'; readonly keyId: Uint8Array };

function signerId(token: DecodedToken): SignerId {
  const sid: unknown = token.signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return { kind: 'issuerSerial', issuer: sid.issuer, serial: integerToBigInt(sid.serialNumber) };
  }
  if (sid instanceof asn1js.Constructed) {
    // Tolerate an EXPLICIT [0] wrapping the OCTET STRING; the ASN.1 module says IMPLICIT.
    const inner = sid.valueBlock.value[0];
    if (inner instanceof asn1js.OctetString)
      return { kind: 'keyId', keyId: new Uint8Array(inner.valueBlock.valueHexView) };
  } else if (sid instanceof asn1js.Primitive) {
    return { kind: 'keyId', keyId: new Uint8Array(sid.valueBlock.valueHexView) };
  }
  throw new TsaCheckError('TSA_MALFORMED', 'SignerInfo sid is neither issuerAndSerialNumber nor subjectKeyIdentifier');
}

function matchesSid(sid: SignerId, cert: TsaCertificate): boolean {
  if (sid.kind === 'issuerSerial') return cert.serial === sid.serial && namesEqual(cert.cert.issuer, sid.issuer);
  const ski = subjectKeyIdentifier(cert);
  return ski !== undefined && bytesEqual(ski, sid.keyId);
}

function describeSid(sid: SignerId): string {
  return sid.kind === 'issuerSerial'
    ? `issuer "${formatName(sid.issuer)}" serial ${sid.serial.toString(16)}`
    : `subjectKeyIdentifier ${toHex(sid.keyId)}`;
}

/** Embedded certificates first, then the caller's; byte-identical duplicates dropped. */
export function certificatePool(...groups: readonly (readonly TsaCertificate[])[]): TsaCertificate[] {
  const pool: TsaCertificate[] = [];
  for (const cert of groups.flat()) if (!pool.some((c) => bytesEqual(c.der, cert.der))) pool.push(cert);
  return pool;
}

/**
 * Finds the signer certificate the way RFC 5652 §5.3 says: by the SignerInfo sid, never by position
 * in the certificate bag (an attacker can add certificates to an unsigned bag; cf. GHSA-3xxc-pwj6-jgrj),
 * then requires the ESS signing-certificate attribute(s) to name exactly that certificate (RFC 3161
 * §2.4.1, RFC 5816 §2.2.1). If several certificates share the sid, the ESS hash decides.
 */
export function selectSigner(token: DecodedToken, pool: readonly TsaCertificate[]): TsaCertificate {
  const sid = signerId(token);
  const candidates = pool.filter((cert) => matchesSid(sid, cert));
  if (candidates.length === 0) {
    throw new TsaCheckError(
      'TSA_SIGNER_NOT_FOUND',
      `no embedded or supplied certificate matches the SignerInfo (${describeSid(sid)}); pass the TSA certificate as untrusted`,
    );
  }
  const ids = essCertIds(token);
  let reason = '';
  for (const cert of candidates) {
    const mismatch = ids.map((id) => essMismatch(id, cert)).find((m) => m !== undefined);
    if (mismatch === undefined) return cert;
    reason = mismatch;
  }
  throw new TsaCheckError('TSA_ESS_MISMATCH', reason);
}
