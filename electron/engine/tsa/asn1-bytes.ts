import * as asn1js from 'asn1js';
import { TsaCheckError } from './tsa-check-codes.ts';

/**
 * Parses one BER/DER value that must fill `bytes` exactly: trailing bytes mean a truncated or
 * spliced file, and we would rather say so than verify a prefix. `maxDepth` is asn1js's nesting
 * limit, lowered when the value is one part of a larger one (cached-decode.ts).
 */
export function parseExact(bytes: Uint8Array, what: string, maxDepth = asn1js.DEFAULT_MAX_DEPTH): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes, { maxDepth });
  if (parsed.offset === -1 || parsed.result.error !== '') {
    throw new TsaCheckError('TSA_MALFORMED', `${what} is not valid BER: ${parsed.result.error}`);
  }
  if (parsed.offset !== bytes.byteLength) {
    throw new TsaCheckError('TSA_MALFORMED', `${what} has ${bytes.byteLength - parsed.offset} trailing bytes`);
  }
  return parsed.result;
}

/** The bytes a block was decoded from, exactly as received (signatures cover these, not a re-encoding). */
export function originalBytes(block: asn1js.AsnType): Uint8Array {
  return new Uint8Array(block.valueBeforeDecodeView);
}

/** X.690 §8.3: an INTEGER's content octets are two's complement, big-endian. */
export function integerToBigInt(integer: asn1js.Integer): bigint {
  const bytes = integer.valueBlock.valueHexView;
  if (bytes.byteLength === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const negative = (bytes[0] ?? 0) >= 0x80;
  return negative ? value - (1n << BigInt(bytes.byteLength * 8)) : value;
}

/** A signed hexadecimal rendering (`-21524111` for a negative serial, as openssl prints it). */
export function bigIntToHex(value: bigint): string {
  return value < 0n ? `-${(-value).toString(16)}` : value.toString(16);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * The content of an OCTET STRING, whether primitive (DER) or constructed from segments (BER,
 * X.690 §8.7.3): the TSTInfo of a BER token may arrive in pieces.
 */
export function octetStringContent(block: asn1js.AsnType, what: string): Uint8Array {
  if (!(block instanceof asn1js.OctetString))
    throw new TsaCheckError('TSA_MALFORMED', `${what} is not an OCTET STRING`);
  if (!block.idBlock.isConstructed) return new Uint8Array(block.valueBlock.valueHexView);
  const parts = block.valueBlock.value.map((part) => octetStringContent(part, what));
  return new Uint8Array(Buffer.concat(parts));
}
