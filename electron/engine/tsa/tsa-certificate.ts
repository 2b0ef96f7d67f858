import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { integerToBigInt, parseExact } from './asn1-bytes.ts';
import { formatName } from './distinguished-name.ts';
import { OID } from './tsa-oids.ts';

/**
 * One X.509 certificate seen three ways: the DER exactly as received (ESS hashes cover these bytes,
 * RFC 5035 §4), pkijs for the ASN.1 fields and extensions, node:crypto for signatures.
 */
export interface TsaCertificate {
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
  readonly x509: X509Certificate;
  readonly subject: string;
  readonly serial: bigint;
}

/** Parses one certificate; throws on anything that is not a well-formed X.509 certificate. */
export function parseCertificate(der: Uint8Array): TsaCertificate {
  const cert = new pkijs.Certificate({ schema: parseExact(der, 'certificate') });
  const ids = (cert.extensions ?? []).map((e) => e.extnID);
  // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
  if (new Set(ids).size !== ids.length) throw new Error(`certificate ${formatName(cert.subject)} repeats an extension`);
  const x509 = new X509Certificate(der);
  return { der, cert, x509, subject: formatName(cert.subject), serial: integerToBigInt(cert.serialNumber) };
}

export function findExtension(cert: TsaCertificate, oid: string): pkijs.Extension | undefined {
  return cert.cert.extensions?.find((e) => e.extnID === oid);
}

function extensionValue(extension: pkijs.Extension): asn1js.AsnType {
  return parseExact(new Uint8Array(extension.extnValue.valueBlock.valueHexView), `extension ${extension.extnID}`);
}

/** RFC 5280 §4.2.1.9: basicConstraints cA (absent means not a CA) and pathLenConstraint. */
export function basicConstraints(cert: TsaCertificate): { readonly ca: boolean; readonly pathLen?: number } {
  const ext = findExtension(cert, OID.basicConstraints);
  if (ext === undefined) return { ca: false };
  const bc = new pkijs.BasicConstraints({ schema: extensionValue(ext) });
  const pathLen = typeof bc.pathLenConstraint === 'number' ? bc.pathLenConstraint : undefined;
  return pathLen === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLen };
}

/** RFC 5280 §4.2.1.12: the key purposes of an extendedKeyUsage extension and whether it is critical. */
export function extendedKeyUsage(
  cert: TsaCertificate,
): { readonly purposes: readonly string[]; readonly critical: boolean } | undefined {
  const ext = findExtension(cert, OID.extKeyUsage);
  if (ext === undefined) return undefined;
  const eku = new pkijs.ExtKeyUsage({ schema: extensionValue(ext) });
  return { purposes: eku.keyPurposes, critical: ext.critical };
}

/** RFC 5280 §4.2.1.3 KeyUsage bit positions we test. */
export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5 } as const;

/** The keyUsage bits that are set, or undefined when the extension is absent (any use allowed). */
export function keyUsageBits(cert: TsaCertificate): ReadonlySet<number> | undefined {
  const ext = findExtension(cert, OID.keyUsage);
  if (ext === undefined) return undefined;
  const bits = extensionValue(ext);
  if (!(bits instanceof asn1js.BitString)) throw new Error('keyUsage is not a BIT STRING');
  const bytes = bits.valueBlock.valueHexView;
  const set = new Set<number>();
  for (let i = 0; i < bytes.byteLength * 8 - bits.valueBlock.unusedBits; i++) {
    if ((((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) set.add(i);
  }
  return set;
}

/** RFC 5280 §4.2.1.2: the subjectKeyIdentifier value, which a SignerInfo sid may name (RFC 5652 §5.3). */
export function subjectKeyIdentifier(cert: TsaCertificate): Uint8Array | undefined {
  const ext = findExtension(cert, OID.subjectKeyIdentifier);
  if (ext === undefined) return undefined;
  const ski = extensionValue(ext);
  if (!(ski instanceof asn1js.OctetString)) throw new Error('subjectKeyIdentifier is not an OCTET STRING');
  return new Uint8Array(ski.valueBlock.valueHexView);
}

/** RFC 5280 §4.2.1.6: the subjectAltName entries, for matching the TSTInfo tsa field. */
export function subjectAltNames(cert: TsaCertificate): readonly pkijs.GeneralName[] {
  const ext = findExtension(cert, OID.subjectAltName);
  if (ext === undefined) return [];
  return new pkijs.AltName({ schema: extensionValue(ext) }).altNames;
}

/** Reads PEM text (one or more CERTIFICATE blocks); throws on a block that does not parse. */
export function certificatesFromPem(pem: string): TsaCertificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => {
    const base64 = block.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    return parseCertificate(new Uint8Array(Buffer.from(base64, 'base64')));
  });
}

export function certificateToPem(cert: TsaCertificate): string {
  const lines =
    Buffer.from(cert.der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
