import { bytesEqual } from './asn1-bytes.ts';
import { namesEqual } from './distinguished-name.ts';
import { signatureHashName } from './hash-algorithms.ts';
import { basicConstraints, extendedKeyUsage, KEY_USAGE, keyUsageBits, type TsaCertificate } from './tsa-certificate.ts';
import { TsaCheckError } from './tsa-check-codes.ts';
import { OID } from './tsa-oids.ts';

/** Longest path we try (leaf + intermediates + anchor); real TSA chains have three or four. */
const MAX_DEPTH = 8;
/**
 * Most issuer candidates we examine in one search. A hostile bag of same-named certificates under one
 * key would otherwise make the depth-first search explore permutations; real chains need a handful.
 */
const MAX_CANDIDATES = 256;

/** Critical extensions we process (RFC 5280 §4.2: a certificate with any other critical extension is rejected). */
const UNDERSTOOD_CRITICAL: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.certificatePolicies,
]);

function iso(date: Date): string {
  // A damaged time field may parse to no date at all (toISOString would throw on it).
  return Number.isNaN(date.getTime()) ? 'an unreadable time' : date.toISOString();
}

/** Why `cert` cannot sit in the chain at time `at` (validity, critical extensions), or undefined. */
function certificateProblem(cert: TsaCertificate, at: Date): string | undefined {
  // RFC 3161 Appendix B: the chain is judged at genTime, not now; expired TSA certificates still vouch
  // for what they signed while they were valid.
  if (at < cert.x509.validFromDate || at > cert.x509.validToDate) {
    // The dates shown are the ASN.1 parser's: for a certificate whose time fields are damaged, Node's
    // X509Certificate dates were seen to differ between two parses of the same bytes (CI, a flipped byte
    // in an IdenTrust CA's notBefore), and a verdict must read the same every time it is given.
    return `${cert.subject} was not valid at ${iso(at)} (valid ${iso(cert.cert.notBefore.value)} to ${iso(cert.cert.notAfter.value)})`;
  }
  const unknown = (cert.cert.extensions ?? []).find((e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.extnID));
  if (unknown !== undefined) return `${cert.subject} has an unsupported critical extension ${unknown.extnID}`;
  return undefined;
}

function signedBy(child: TsaCertificate, issuer: TsaCertificate): boolean {
  try {
    return child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false; // a key type that cannot have made this signature
  }
}

/**
 * Why `issuer` may not have issued `child` as a CA `below` intermediates above the leaf, or undefined.
 * RFC 5280 §6.1.4: cA set (k), keyCertSign (n), pathLenConstraint (m); the signature must verify.
 * It reads nothing but the two certificates: validity at genTime is certificateProblem's, and no
 * revocation data is consulted (none is checked). That is what lets a bulk verifier remember it.
 */
export function issuerProblem(
  issuer: TsaCertificate,
  child: TsaCertificate,
  below: number,
  isAnchor: boolean,
): string | undefined {
  if (!namesEqual(issuer.cert.subject, child.cert.issuer)) return 'name mismatch';
  const hash = signatureHashName(child.cert.signatureAlgorithm.algorithmId);
  if (hash === 'SHA-1') return `${child.subject} is signed with SHA-1`;
  if (!signedBy(child, issuer)) return `the signature on ${child.subject} does not verify with ${issuer.subject}`;
  const bc = basicConstraints(issuer);
  const hasBc = issuer.cert.extensions?.some((e) => e.extnID === OID.basicConstraints) ?? false;
  // A v1 trust anchor (no extensions at all) is trusted by configuration; every other issuer must be a CA.
  if (!bc.ca && (hasBc || !isAnchor)) return `${issuer.subject} is not a CA`;
  if (bc.pathLen !== undefined && below > bc.pathLen)
    return `${issuer.subject} allows only ${bc.pathLen} intermediates below it`;
  const usage = keyUsageBits(issuer);
  if (usage !== undefined && !usage.has(KEY_USAGE.keyCertSign)) return `${issuer.subject} may not sign certificates`;
  // EKU chaining (as Windows and many TSA chains expect): a CA restricted to other purposes cannot
  // issue a time-stamping certificate.
  const eku = extendedKeyUsage(issuer);
  if (eku !== undefined && !eku.purposes.some((p) => p === OID.kpTimeStamping || p === OID.anyExtendedKeyUsage)) {
    return `${issuer.subject} is restricted to other key purposes than time-stamping`;
  }
  return undefined;
}

/** issuerProblem, or a memo of it (verification-cache.ts). */
export type IssuerCheck = typeof issuerProblem;

/**
 * Builds and validates a path from the TSA signer to one of the trust anchors, at time `at`, from the
 * embedded and caller-supplied certificates (RFC 5280 §6, RFC 3161 §2.4.1). Depth-first, so a spoofed
 * certificate with the right name but the wrong key is tried and discarded. Returns leaf..anchor.
 */
export function validateChain(
  signer: TsaCertificate,
  pool: readonly TsaCertificate[],
  anchors: readonly TsaCertificate[],
  at: Date,
  checkIssuer: IssuerCheck = issuerProblem,
): TsaCertificate[] {
  if (anchors.length === 0) throw new TsaCheckError('TSA_CHAIN', 'the TSA trust store is empty');
  const problems: string[] = [];
  let budget = MAX_CANDIDATES;
  const isAnchor = (c: TsaCertificate): boolean => anchors.some((a) => bytesEqual(a.der, c.der));

  const extend = (path: TsaCertificate[]): TsaCertificate[] | undefined => {
    const current = path[path.length - 1];
    if (current === undefined) return undefined;
    if (isAnchor(current)) return path;
    if (path.length >= MAX_DEPTH) {
      problems.push('the chain is too long');
      return undefined;
    }
    for (const candidate of [...anchors, ...pool]) {
      if (path.some((c) => bytesEqual(c.der, candidate.der))) continue;
      if (!namesEqual(candidate.cert.subject, current.cert.issuer)) continue;
      if (--budget < 0) throw new TsaCheckError('TSA_CHAIN', 'gave up building the chain: too many candidate issuers');
      const problem =
        certificateProblem(candidate, at) ?? checkIssuer(candidate, current, path.length - 1, isAnchor(candidate));
      if (problem !== undefined) {
        problems.push(problem);
        continue;
      }
      const found = extend([...path, candidate]);
      if (found !== undefined) return found;
    }
    return undefined;
  };

  const leafProblem = certificateProblem(signer, at);
  if (leafProblem !== undefined) throw new TsaCheckError('TSA_CHAIN', leafProblem);
  const chain = extend([signer]);
  if (chain !== undefined) return chain;
  const detail =
    problems.length > 0 ? [...new Set(problems)].join('; ') : `no issuer of ${signer.subject} leads to a trust anchor`;
  throw new TsaCheckError('TSA_CHAIN', `no chain to a trusted TSA root: ${detail}`);
}
