import * as pkijs from 'pkijs';
import { formatGeneralName, namesEqual } from './distinguished-name.ts';
import type { DecodedToken } from './timestamp-decode.ts';
import {
  basicConstraints,
  extendedKeyUsage,
  KEY_USAGE,
  keyUsageBits,
  subjectAltNames,
  type TsaCertificate,
} from './tsa-certificate.ts';
import { ensure } from './tsa-check-codes.ts';
import { OID } from './tsa-oids.ts';

/**
 * RFC 3161 §2.3: the TSA certificate "MUST contain only one instance of the extended key usage field
 * extension ... with KeyPurposeID having value id-kp-timeStamping. This extension MUST be critical."
 * pkijs does not look at this; openssl does (X509_PURPOSE_TIMESTAMP_SIGN).
 */
export function checkTimeStampingEku(signer: TsaCertificate): void {
  const eku = extendedKeyUsage(signer);
  ensure(eku !== undefined, 'TSA_EKU', `${signer.subject} has no extendedKeyUsage extension`);
  ensure(eku.critical, 'TSA_EKU', `the extendedKeyUsage of ${signer.subject} is not critical`);
  ensure(
    eku.purposes.length === 1 && eku.purposes[0] === OID.kpTimeStamping,
    'TSA_EKU',
    `the extendedKeyUsage of ${signer.subject} is ${eku.purposes.join(', ')}, not only id-kp-timeStamping`,
  );
}

/** RFC 5280 §4.2.1.3: when keyUsage is present it must allow signatures (digitalSignature or nonRepudiation). */
export function checkSignerKeyUsage(signer: TsaCertificate): void {
  const bits = keyUsageBits(signer);
  if (bits === undefined) return;
  ensure(
    bits.has(KEY_USAGE.digitalSignature) || bits.has(KEY_USAGE.nonRepudiation),
    'TSA_KEY_USAGE',
    `the keyUsage of ${signer.subject} allows neither digitalSignature nor nonRepudiation`,
  );
}

/** A TSA signing key must not also be a CA key (RFC 5280 §4.2.1.9; openssl's timestamp purpose). */
export function checkLeafIsNotCa(signer: TsaCertificate): void {
  ensure(!basicConstraints(signer).ca, 'TSA_LEAF_IS_CA', `the TSA certificate ${signer.subject} is a CA certificate`);
}

/** The checks on the signer certificate alone, in order (RFC 3161 §2.3, RFC 5280 §4.2.1.3 and §4.2.1.9). */
export function checkSignerCertificate(signer: TsaCertificate): void {
  checkTimeStampingEku(signer);
  checkSignerKeyUsage(signer);
  checkLeafIsNotCa(signer);
}

function generalNameMatches(wanted: pkijs.GeneralName, have: pkijs.GeneralName): boolean {
  if (wanted.type !== have.type) return false;
  if (
    wanted.value instanceof pkijs.RelativeDistinguishedNames &&
    have.value instanceof pkijs.RelativeDistinguishedNames
  ) {
    return namesEqual(wanted.value, have.value);
  }
  return (
    typeof wanted.value === 'string' &&
    typeof have.value === 'string' &&
    wanted.value.toLowerCase() === have.value.toLowerCase()
  );
}

/**
 * RFC 3161 §2.4.2: the tsa field, when present, "MUST correspond to one of the subject names included
 * in the certificate that is to be used to verify the token". We report this name, so it must not lie.
 */
export function checkTsaName(token: DecodedToken, signer: TsaCertificate): void {
  const tsa = token.tstInfo.tsa;
  if (tsa === undefined) return;
  const bySubject = tsa.value instanceof pkijs.RelativeDistinguishedNames && namesEqual(tsa.value, signer.cert.subject);
  ensure(
    bySubject || subjectAltNames(signer).some((name) => generalNameMatches(tsa, name)),
    'TSA_NAME',
    `the TSTInfo names the TSA "${formatGeneralName(tsa)}" but the signer is ${signer.subject}`,
  );
}
