import * as pkijs from 'pkijs';
import { bytesEqual } from './asn1-bytes.ts';

/** RFC 4514 §3 short names (plus the common extras openssl prints). */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function attributeValue(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'valueBlock' in value) {
    const block = (value as { valueBlock: { value?: unknown } }).valueBlock;
    if (typeof block.value === 'string') return block.value;
  }
  return '#';
}

/** A Name in encoded order, `O=sigstore.dev, CN=sigstore-tsa` (openssl's order, not RFC 4514's reversal). */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${SHORT_NAMES[tv.type] ?? tv.type}=${attributeValue(tv.value)}`).join(', ');
}

/**
 * RFC 5280 §7.1 name matching: identical encodings match; otherwise pkijs compares attribute by
 * attribute with case and space folding, which covers PrintableString vs UTF8String re-encodings.
 */
export function namesEqual(a: pkijs.RelativeDistinguishedNames, b: pkijs.RelativeDistinguishedNames): boolean {
  if (a.valueBeforeDecode.byteLength > 0 && b.valueBeforeDecode.byteLength > 0) {
    if (bytesEqual(new Uint8Array(a.valueBeforeDecode), new Uint8Array(b.valueBeforeDecode))) return true;
  }
  return a.isEqual(b);
}

/** A GeneralName (RFC 5280 §4.2.1.6) as text for the report: a directoryName, DNS name, URI or e-mail. */
export function formatGeneralName(name: pkijs.GeneralName): string {
  if (name.value instanceof pkijs.RelativeDistinguishedNames) return formatName(name.value);
  if (typeof name.value === 'string') return name.value;
  return `[GeneralName type ${name.type}]`;
}
