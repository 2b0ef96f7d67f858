import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseExact } from './asn1-bytes.ts';
import { issuerProblem, type IssuerCheck } from './chain-validation.ts';
import { checkSignerCertificate } from './signer-certificate-checks.ts';
import { embeddedCertificates, statusOf, type TimestampStatus } from './timestamp-decode.ts';
import { certificateToPem, parseCertificate, type TsaCertificate } from './tsa-certificate.ts';

/**
 * Distinct entries kept per table. Every key is constant per TSA (certificates, chain links, the
 * constant parts of its tokens), so a run over a handful of TSAs needs a few dozen; the bound keeps a
 * hostile bundle, each token with other certificates, from growing memory (it only loses speed).
 */
const MAX_ENTRIES = 128;

/** A map that forgets its oldest entry when full; only computations that returned are remembered. */
class BoundedMemo<V> {
  // Boxed, so that one lookup tells a remembered undefined from a miss.
  readonly #entries = new Map<string, { readonly value: V }>();

  get(key: string, compute: () => V): V {
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit.value;
    const value = compute();
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value });
    return value;
  }
}

/** The exact bytes as a Map key (latin1 maps each byte to one UTF-16 unit, so equal keys mean equal bytes). */
function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** One part of pkijs's own SignedData schema (RFC 5652 §5.1), so a part is judged as the whole would judge it. */
function signedDataSchemaPart(index: number): asn1js.AsnType {
  // pkijs types its schemas as any; SignedData's is a SEQUENCE of its fields.
  const schema = pkijs.SignedData.schema() as asn1js.Sequence;
  const part = schema.valueBlock.value[index];
  if (part === undefined) throw new RangeError(`SignedData has no schema part ${index}`);
  return part;
}

function matchesSchema(block: asn1js.AsnType, schema: asn1js.AsnType): boolean {
  return asn1js.compareSchema(block, block, schema).verified;
}

/**
 * What many time-stamps from the same TSAs have in common, worked out once: the parsed certificates,
 * the checks on each certificate link and on the signer certificate, the SignedData parts that do
 * not change from token to token. Bulk verifiers (`aev verify`, export, bundle verify) pass one to
 * verifyTimestamp for a whole run.
 *
 * Everything here is a pure function of the bytes it is keyed by (the exact DER, not a hash of it),
 * and only results that returned are kept: a failure is computed again, and fails again the same
 * way. So a verdict with the cache is the verdict without it (test/integration/tsa/verification-cache.test.ts
 * and every TSA unit test run tokens both ways). Nothing depends on the clock or on outside data:
 * revocation is not checked (docs/threat-model.md, "Revocation"), and validity periods are compared
 * with each token's genTime afresh in validateChain. A CRL or OCSP check added later must stay out of here.
 */
export class TsaVerificationCache {
  readonly #certificates = new BoundedMemo<TsaCertificate>();
  readonly #statuses = new BoundedMemo<TimestampStatus>();
  readonly #signedDataHeads = new BoundedMemo<true>();
  readonly #certificateBags = new BoundedMemo<readonly TsaCertificate[]>();
  readonly #links = new BoundedMemo<string | undefined>();
  readonly #pems = new BoundedMemo<string>();
  readonly #publicKeys = new BoundedMemo<KeyObject>();
  readonly #signersChecked = new BoundedMemo<true>();
  readonly #parts = new BoundedMemo<unknown>();
  /** bytesKey of each certificate object's DER, made once (a TsaCertificate never changes). */
  readonly #certificateKeys = new WeakMap<TsaCertificate, string>();

  /** parseCertificate, once per distinct DER. */
  certificate(der: Uint8Array): TsaCertificate {
    return this.#certificates.get(bytesKey(der), () => parseCertificate(der));
  }

  /**
   * The PKIStatusInfo of a TimeStampResp (RFC 3161 §2.4.2), from its encoding. `maxDepth`, here and
   * below, is the nesting asn1js allows the part where it sits in the whole (see cached-decode.ts).
   */
  status(der: Uint8Array, maxDepth: number): TimestampStatus {
    const status = this.#statuses.get(`${maxDepth}:${bytesKey(der)}`, () =>
      statusOf(parseExact(der, 'PKIStatusInfo', maxDepth)),
    );
    return { ...status, statusText: [...status.statusText], failInfo: [...status.failInfo] };
  }

  /**
   * Whether a SignedData's `version` and `digestAlgorithms` (each a whole TLV) pass what pkijs's
   * SignedData parse requires of them: their schema parts, and an AlgorithmIdentifier each.
   */
  signedDataHeadIsValid(version: Uint8Array, digestAlgorithms: Uint8Array, maxDepth: number): boolean {
    try {
      // Two complete TLVs: the first one's length field says where it ends, so the key is unambiguous.
      this.#signedDataHeads.get(`${maxDepth}:${bytesKey(version)}${bytesKey(digestAlgorithms)}`, () => {
        const versionBlock = parseExact(version, 'SignedData version', maxDepth);
        const algorithms = parseExact(digestAlgorithms, 'SignedData digestAlgorithms', maxDepth);
        if (!matchesSchema(versionBlock, signedDataSchemaPart(0))) throw new Error('version');
        if (!matchesSchema(algorithms, signedDataSchemaPart(1))) throw new Error('digestAlgorithms');
        if (!(algorithms instanceof asn1js.Set)) throw new Error('digestAlgorithms');
        for (const block of algorithms.valueBlock.value) new pkijs.AlgorithmIdentifier({ schema: block });
        return true;
      });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The certificates of a SignedData `certificates [0]` field (RFC 5652 §5.1), given its whole TLV:
   * checked against the same schema part and CertificateSet parse as the full SignedData parse does,
   * then the X.509 entries parsed. Throws where the full parse would fail.
   */
  certificateBag(field: Uint8Array, maxDepth: number): readonly TsaCertificate[] {
    return this.#certificateBags.get(`${maxDepth}:${bytesKey(field)}`, () => {
      const block = parseExact(field, 'SignedData certificates', maxDepth);
      if (!matchesSchema(block, signedDataSchemaPart(3)) || !(block instanceof asn1js.Constructed)) {
        throw new Error('SignedData certificates do not fit the schema');
      }
      new pkijs.CertificateSet({ schema: new asn1js.Set({ value: block.valueBlock.value }) });
      return embeddedCertificates(block, (der) => this.certificate(der));
    });
  }

  /** chain-validation's issuerProblem, remembered per (issuer, child, depth, anchor flag): it reads no clock. */
  readonly issuerCheck: IssuerCheck = (issuer, child, below, isAnchor) => {
    const issuerKey = this.#certificateKey(issuer);
    // The issuer's length first, so the two encodings cannot be split differently.
    const key = `${below}:${isAnchor ? 1 : 0}:${issuerKey.length}:${issuerKey}${this.#certificateKey(child)}`;
    return this.#links.get(key, () => issuerProblem(issuer, child, below, isAnchor));
  };

  /** The signer's public key, for the CMS signature check. */
  publicKey(cert: TsaCertificate): KeyObject {
    return this.#publicKeys.get(this.#certificateKey(cert), () => cert.x509.publicKey);
  }

  /** checkSignerCertificate, which reads the certificate alone; it throws (again) for one that fails. */
  checkSignerCertificate(signer: TsaCertificate): void {
    this.#signersChecked.get(this.#certificateKey(signer), () => {
      checkSignerCertificate(signer);
      return true;
    });
  }

  /**
   * A pkijs object built from a block of a SignerInfo or TSTInfo (cached-fields.ts), once per `kind`,
   * encoding and parse depth. Each kind must always be built by the same constructor, so the value
   * is of the type the caller names.
   */
  part<T>(kind: string, block: asn1js.AsnType, maxDepth: number, build: () => T): T {
    return this.#parts.get(`${kind}:${maxDepth}:${bytesKey(block.valueBeforeDecodeView)}`, build) as T;
  }

  pem(cert: TsaCertificate): string {
    return this.#pems.get(this.#certificateKey(cert), () => certificateToPem(cert));
  }

  #certificateKey(cert: TsaCertificate): string {
    let key = this.#certificateKeys.get(cert);
    if (key === undefined) {
      key = bytesKey(cert.der);
      this.#certificateKeys.set(cert, key);
    }
    return key;
  }
}
