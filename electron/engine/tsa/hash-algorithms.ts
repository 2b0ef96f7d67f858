import { createHash } from 'node:crypto';

/** The hash algorithms a time-stamp may use for its imprint or its CMS signature. */
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

interface HashInfo {
  readonly name: HashName;
  /** The name node:crypto knows it by. */
  readonly node: string;
  readonly length: number;
  readonly oid: string;
}

/** RFC 5754 §2 (SHA-2) and RFC 3370 §2.1 (SHA-1) digest algorithm identifiers. */
const BY_OID: Readonly<Record<string, HashInfo>> = {
  '1.3.14.3.2.26': { name: 'SHA-1', node: 'sha1', length: 20, oid: '1.3.14.3.2.26' },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', node: 'sha256', length: 32, oid: '2.16.840.1.101.3.4.2.1' },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', node: 'sha384', length: 48, oid: '2.16.840.1.101.3.4.2.2' },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', node: 'sha512', length: 64, oid: '2.16.840.1.101.3.4.2.3' },
};

/**
 * RFC 8017 A.2.4 and RFC 5758 §3.2: signature algorithm identifiers that name their hash. The
 * SignerInfo must use the same hash as its digestAlgorithm, so the pairing is checked.
 */
const SIGNATURE_HASH: Readonly<Record<string, HashName>> = {
  '1.2.840.113549.1.1.5': 'SHA-1',
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
  '1.2.840.10045.4.1': 'SHA-1',
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
};

export function hashByOid(oid: string): HashInfo | undefined {
  return BY_OID[oid];
}

export function hashByName(name: HashName): HashInfo {
  const info = Object.values(BY_OID).find((h) => h.name === name);
  if (info === undefined) throw new RangeError(`unknown hash ${name}`);
  return info;
}

export function signatureHashName(signatureOid: string): HashName | undefined {
  return SIGNATURE_HASH[signatureOid];
}

export function digest(name: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hashByName(name).node).update(data).digest());
}
