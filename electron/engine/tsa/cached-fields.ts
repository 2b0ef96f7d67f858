import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { TsaVerificationCache } from './verification-cache.ts';

/**
 * The pkijs SignerInfo and TSTInfo of a bulk verifier's token, built from the asn1js tree without
 * pkijs's schema matching, which costs more than the rest of a check. Only the one layout a TSA
 * sends is taken, with its fields checked as asn1js.compareSchema checks them (class, number,
 * constructed bit, low tag number); each field comes from the same pkijs constructor pkijs's own
 * fromSchema calls (the ones that do not change from token to token remembered by the cache). So
 * the object is the one pkijs would build, and any other layout is left to pkijs itself. A field
 * that does not parse throws, as in pkijs; the cached decoder then declines the token.
 */

const UNIVERSAL = 1;
const CONTEXT = 3;

interface Tag {
  readonly tagClass: number;
  readonly tagNumber: number;
  readonly constructed: boolean;
}

const INTEGER: Tag = { tagClass: UNIVERSAL, tagNumber: 2, constructed: false };
const OCTET_STRING: Tag = { tagClass: UNIVERSAL, tagNumber: 4, constructed: false };
const OID: Tag = { tagClass: UNIVERSAL, tagNumber: 6, constructed: false };
const SEQUENCE: Tag = { tagClass: UNIVERSAL, tagNumber: 16, constructed: true };
const GENERALIZED_TIME: Tag = { tagClass: UNIVERSAL, tagNumber: 24, constructed: false };
const BOOLEAN: Tag = { tagClass: UNIVERSAL, tagNumber: 1, constructed: false };
const context = (tagNumber: number, constructed = true): Tag => ({ tagClass: CONTEXT, tagNumber, constructed });

/** A TSTInfo is always parsed on its own from its octets (parseTstInfo), with asn1js's usual depth. */
const TST_INFO_DEPTH = asn1js.DEFAULT_MAX_DEPTH;

function is(block: asn1js.AsnType | undefined, tag: Tag): block is asn1js.AsnType {
  const id = block?.idBlock;
  return (
    id !== undefined &&
    id.tagClass === tag.tagClass &&
    id.tagNumber === tag.tagNumber &&
    id.isConstructed === tag.constructed &&
    !id.isHexOnly
  );
}

/** The fields of a constructed value (none for anything else, which then fits no layout here). */
function children(block: asn1js.AsnType): asn1js.AsnType[] {
  return block instanceof asn1js.Constructed ? block.valueBlock.value : [];
}

type TstInfoFields = NonNullable<ConstructorParameters<typeof pkijs.TSTInfo>[0]>;

/** RFC 3161 §2.4.2: TSTInfo's optional fields after genTime, each at most once, in this order. */
const TST_OPTIONAL: readonly {
  readonly tag: Tag;
  readonly read: (field: asn1js.AsnType, cache: TsaVerificationCache) => Partial<TstInfoFields> | undefined;
}[] = [
  {
    tag: SEQUENCE,
    read: (f, cache) => ({
      accuracy: cache.part('Accuracy', f, TST_INFO_DEPTH, () => new pkijs.Accuracy({ schema: f })),
    }),
  },
  { tag: BOOLEAN, read: (f) => ({ ordering: (f as asn1js.Boolean).valueBlock.value }) },
  { tag: INTEGER, read: (f) => ({ nonce: f as asn1js.Integer }) },
  {
    // tsa [0] GeneralName: EXPLICIT, one name.
    tag: context(0),
    read: (f, cache) => {
      const [name, ...more] = children(f);
      if (name === undefined || more.length > 0) return undefined;
      return { tsa: cache.part('GeneralName', name, TST_INFO_DEPTH, () => new pkijs.GeneralName({ schema: name })) };
    },
  },
  {
    // extensions [1] IMPLICIT Extensions: SIZE (1..MAX), as pkijs's Repeated requires.
    tag: context(1),
    read: (f) => {
      const list = children(f);
      return list.length === 0 ? undefined : { extensions: list.map((e) => new pkijs.Extension({ schema: e })) };
    },
  },
];

function tstInfoFields(block: asn1js.AsnType, cache: TsaVerificationCache): pkijs.TSTInfo | undefined {
  if (!is(block, SEQUENCE)) return undefined;
  const [version, policy, imprint, serial, genTime, ...rest] = children(block);
  if (!is(version, INTEGER) || !is(policy, OID) || !is(imprint, SEQUENCE) || !is(serial, INTEGER)) return undefined;
  if (!is(genTime, GENERALIZED_TIME)) return undefined;
  let fields: TstInfoFields = {
    version: (version as asn1js.Integer).valueBlock.valueDec,
    policy: (policy as asn1js.ObjectIdentifier).valueBlock.toString(),
    messageImprint: new pkijs.MessageImprint({ schema: imprint }),
    serialNumber: serial as asn1js.Integer,
    genTime: (genTime as asn1js.GeneralizedTime).toDate(),
  };
  let next = 0;
  for (const field of rest) {
    const slot = TST_OPTIONAL.findIndex((o, i) => i >= next && is(field, o.tag));
    const read = TST_OPTIONAL[slot]?.read(field, cache);
    if (read === undefined) return undefined;
    fields = { ...fields, ...read };
    next = slot + 1;
  }
  return new pkijs.TSTInfo(fields);
}

/** The TSTInfo (RFC 3161 §2.4.2) of a parsed TSTInfo block, as `new pkijs.TSTInfo({ schema })` gives it. */
export function cachedTstInfo(block: asn1js.AsnType, cache: TsaVerificationCache): pkijs.TSTInfo {
  return tstInfoFields(block, cache) ?? new pkijs.TSTInfo({ schema: block });
}

/**
 * RFC 5652 §5.3 SignerIdentifier, as pkijs keeps it: an IssuerAndSerialNumber, or the [0]
 * subjectKeyIdentifier block itself (IMPLICIT, or an EXPLICIT wrapping of one OCTET STRING).
 */
function signerIdentifier(sid: asn1js.AsnType, cache: TsaVerificationCache, maxDepth: number): unknown {
  if (is(sid, SEQUENCE)) {
    return cache.part('IssuerAndSerialNumber', sid, maxDepth, () => new pkijs.IssuerAndSerialNumber({ schema: sid }));
  }
  if (is(sid, context(0, false))) return sid;
  if (is(sid, context(0))) {
    const [keyId, ...more] = children(sid);
    return is(keyId, OCTET_STRING) && more.length === 0 ? sid : undefined;
  }
  return undefined;
}

function signerInfoFields(
  block: asn1js.AsnType,
  cache: TsaVerificationCache,
  maxDepth: number,
): pkijs.SignerInfo | undefined {
  if (!is(block, SEQUENCE)) return undefined;
  const fields = children(block);
  if (fields.length !== 6 && fields.length !== 7) return undefined;
  const [version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature, unsignedAttrs] = fields;
  if (!is(version, INTEGER) || !is(digestAlgorithm, SEQUENCE) || !is(signedAttrs, context(0))) return undefined;
  if (!is(signatureAlgorithm, SEQUENCE) || !is(signature, OCTET_STRING)) return undefined;
  if (unsignedAttrs !== undefined && !is(unsignedAttrs, context(1))) return undefined;
  const id = sid === undefined ? undefined : signerIdentifier(sid, cache, maxDepth);
  if (id === undefined) return undefined;
  const algorithm = (b: asn1js.AsnType): pkijs.AlgorithmIdentifier =>
    cache.part('AlgorithmIdentifier', b, maxDepth, () => new pkijs.AlgorithmIdentifier({ schema: b }));
  return new pkijs.SignerInfo({
    version: (version as asn1js.Integer).valueBlock.valueDec,
    sid: id,
    digestAlgorithm: algorithm(digestAlgorithm),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, schema: signedAttrs }),
    signatureAlgorithm: algorithm(signatureAlgorithm),
    signature: signature as asn1js.OctetString,
    ...(unsignedAttrs === undefined
      ? {}
      : { unsignedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 1, schema: unsignedAttrs }) }),
  });
}

/**
 * The SignerInfo (RFC 5652 §5.3) of a parsed SignerInfo block, as `new pkijs.SignerInfo({ schema })`
 * gives it. `maxDepth` is the one the block was parsed with (cached-decode.ts), part of the cache key.
 */
export function cachedSignerInfo(
  block: asn1js.AsnType,
  cache: TsaVerificationCache,
  maxDepth: number,
): pkijs.SignerInfo {
  return signerInfoFields(block, cache, maxDepth) ?? new pkijs.SignerInfo({ schema: block });
}
