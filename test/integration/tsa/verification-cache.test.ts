import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCached } from '../../../electron/engine/tsa/cached-decode.ts';
import { cachedSignerInfo, cachedTstInfo } from '../../../electron/engine/tsa/cached-fields.ts';
import { encapsulatedTstInfo } from '../../../electron/engine/tsa/timestamp-decode.ts';
import { buildTimestampRequest } from '../../../electron/engine/tsa/timestamp-request.ts';
import type {
  ExpectedImprint,
  TimestampVerdict,
  VerifyTimestampOptions,
} from '../../../electron/engine/tsa/timestamp-verdict.ts';
import { TsaVerificationCache } from '../../../electron/engine/tsa/verification-cache.ts';
import { verifyTimestamp } from '../../../electron/engine/tsa/verify-timestamp.ts';
import { flipByte, resignToken } from '../../unit/engine/tsa/resign-token.ts';
import { createTsaFixture, type TsaFixture } from '../../unit/engine/tsa/tsa-fixture.ts';
import { vectorBytes, vectorCases, vectorExpected, vectorOptions } from './vector-cases.ts';

/** One token to verify: bytes, what it must stamp, and the options (trust store among them). */
interface Item {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly expected: ExpectedImprint;
  readonly options: VerifyTimestampOptions;
}

let ec: TsaFixture;
let rsaChain: TsaFixture;
let essV1: TsaFixture;
const stamped: Item[] = [];

beforeAll(async () => {
  [ec, rsaChain, essV1] = await Promise.all([
    createTsaFixture({ keyType: 'ec' }),
    createTsaFixture({ keyType: 'rsa', intermediate: true }),
    createTsaFixture({ keyType: 'ec', essVersion: 1 }),
  ]);
  for (const [name, fx] of [
    ['ec', ec],
    ['rsa+intermediate', rsaChain],
    ['ess-v1', essV1],
  ] as const) {
    for (let n = 0; n < 3; n++) {
      const data = new TextEncoder().encode(`window ${n} of ${name}\n`);
      const request = buildTimestampRequest({ data });
      const bytes = await fx.tsa.stamp(request.der);
      stamped.push({
        label: `${name} #${n}`,
        bytes,
        expected: { data },
        options: { trustAnchors: fx.anchors, nonce: request.nonce },
      });
    }
  }
});
afterAll(async () => {
  await Promise.all([ec, rsaChain, essV1].map((fx) => fx.tsa.close()));
});

const vectors = (): Item[] =>
  vectorCases.map((c) => ({
    label: c.id,
    bytes: vectorBytes(c),
    expected: vectorExpected(c),
    options: vectorOptions(c),
  }));

/** Every item again against every other item's trust store: mostly TSA_CHAIN, from a warm cache. */
function crossTrust(items: readonly Item[]): Item[] {
  return items.flatMap((item) =>
    items
      .filter((other) => other.options.trustAnchors !== item.options.trustAnchors)
      .map((other) => ({
        ...item,
        label: `${item.label} against the trust store of ${other.label}`,
        options: { ...item.options, trustAnchors: other.options.trustAnchors },
      })),
  );
}

/** Round robin over groups, so tokens of different TSAs follow one another. */
function interleave(groups: readonly (readonly Item[])[]): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < Math.max(...groups.map((g) => g.length)); i++) {
    for (const g of groups) {
      const item = g[i];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}

/** Verifies each item without a cache and through `cache`, requiring the very same verdict; returns them. */
function expectSameVerdicts(items: readonly Item[], cache: TsaVerificationCache): TimestampVerdict[] {
  return items.map((item) => {
    const plain = verifyTimestamp(item.bytes, item.expected, item.options);
    const cached = verifyTimestamp(item.bytes, item.expected, { ...item.options, cache });
    expect(cached, item.label).toStrictEqual(plain);
    return plain;
  });
}

function constructed(block: asn1js.AsnType | undefined): asn1js.Constructed {
  if (!(block instanceof asn1js.Constructed)) throw new Error('not a constructed ASN.1 value');
  return block;
}

/** The parsed tree of a response or bare token, with its SignedData and SignerInfo in that tree. */
function tokenTree(bytes: Uint8Array): {
  root: asn1js.Constructed;
  signedData: asn1js.Constructed;
  signer: asn1js.Constructed;
} {
  const root = constructed(asn1js.fromBER(bytes).result);
  const isToken = root.valueBlock.value[0] instanceof asn1js.ObjectIdentifier;
  const contentInfo = constructed(isToken ? root : root.valueBlock.value[1]);
  const signedData = constructed(constructed(contentInfo.valueBlock.value[1]).valueBlock.value[0]);
  const signer = constructed(constructed(signedData.valueBlock.value.at(-1)).valueBlock.value[0]);
  return { root, signedData, signer };
}

/**
 * A genuine (DER) token with an unsigned attribute holding `value` appended to its SignerInfo, and
 * the DER of that SignerInfo alone. Unsigned attributes are outside the signature, so the token
 * stays genuine; re-encoding the parsed tree keeps every other byte (DER in, DER out).
 */
function withUnsignedAttribute(
  response: Uint8Array,
  value: asn1js.AsnType,
): { response: Uint8Array; signerInfo: ArrayBuffer } {
  const { root, signer } = tokenTree(response);
  const attribute = new pkijs.Attribute({ type: '1.3.6.1.4.1.99999.1', values: [value] });
  signer.valueBlock.value.push(
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [attribute.toSchema()] }),
  );
  return { response: new Uint8Array(root.toBER(false)), signerInfo: signer.toBER(false) };
}

/** The DER of a token's SignerInfo and TSTInfo. */
function signerAndTstInfo(bytes: Uint8Array): { signerInfo: ArrayBuffer; tstInfo: Uint8Array } {
  const { signedData, signer } = tokenTree(bytes);
  const encap = new pkijs.EncapsulatedContentInfo({ schema: signedData.valueBlock.value[2] });
  return { signerInfo: signer.valueBeforeDecodeView.slice().buffer, tstInfo: encapsulatedTstInfo(encap).tstInfoDer };
}

function nested(levels: number): asn1js.AsnType {
  let value: asn1js.AsnType = new asn1js.Null();
  for (let i = 0; i < levels; i++) value = new asn1js.Sequence({ value: [value] });
  return value;
}

describe('the verification cache of bulk verifiers', () => {
  it('decodes every genuine token on its fast path (so the comparisons below compare something)', () => {
    const valid = new Set(vectorCases.filter((c) => c.expect === 'valid').map((c) => c.id));
    const genuine = [...stamped, ...vectors().filter((v) => valid.has(v.label))];
    for (const item of genuine) {
      expect(
        decodeCached(item.bytes, item.options.form ?? 'auto', new TsaVerificationCache()),
        item.label,
      ).toBeDefined();
    }
  });

  it('builds the very SignerInfo and TSTInfo that pkijs builds, for every genuine token', () => {
    const cache = new TsaVerificationCache();
    const parse = (der: ArrayBuffer | Uint8Array): asn1js.AsnType => asn1js.fromBER(der).result;
    for (let round = 0; round < 2; round++) {
      for (const item of [...stamped, ...vectors().filter((v) => v.label !== 'globalsign-2017-rejected')]) {
        const { signerInfo, tstInfo } = signerAndTstInfo(item.bytes);
        const fromPkijs = new pkijs.SignerInfo({ schema: parse(signerInfo) });
        const built = cachedSignerInfo(parse(signerInfo), cache, asn1js.DEFAULT_MAX_DEPTH);
        expect(built.toJSON(), item.label).toEqual(fromPkijs.toJSON());
        expect(Object.keys(built).sort(), item.label).toEqual(Object.keys(fromPkijs).sort());
        const tstFromPkijs = new pkijs.TSTInfo({ schema: parse(tstInfo) });
        const tstBuilt = cachedTstInfo(parse(tstInfo), cache);
        expect(tstBuilt.toJSON(), item.label).toEqual(tstFromPkijs.toJSON());
        expect(Object.keys(tstBuilt).sort(), item.label).toEqual(Object.keys(tstFromPkijs).sort());
      }
    }
  });

  it('gives every vector and test-TSA token its uncached verdict, in any order, through one cache', () => {
    const all = [...vectors(), ...stamped];
    const groups = [
      vectors(),
      stamped.filter((s) => s.label.startsWith('ec')),
      stamped.filter((s) => !s.label.startsWith('ec')),
    ];
    for (const order of [all, [...all].reverse(), interleave(groups)]) {
      expect(expectSameVerdicts(order, new TsaVerificationCache()).filter((v) => v.valid)).toHaveLength(
        stamped.length + vectorCases.filter((c) => c.expect === 'valid').length,
      );
    }
    const crossed = expectSameVerdicts(crossTrust(all), new TsaVerificationCache());
    expect(crossed.filter((v) => v.code === 'TSA_CHAIN').length).toBeGreaterThan(crossed.length / 2);
    // One cache for all of it, as a long `aev verify --all` over sessions from several TSAs would have.
    const shared = new TsaVerificationCache();
    for (let round = 0; round < 2; round++) expectSameVerdicts([...interleave(groups), ...crossTrust(all)], shared);
  });

  it('gives a token with any byte flipped, or cut short, its uncached verdict', () => {
    const cache = new TsaVerificationCache();
    const originals = [stamped[0]!, stamped[3]!, ...vectors().filter((v) => v.label === 'identrust-rsa-ess-v1')];
    for (const original of originals) {
      expectSameVerdicts([original], cache);
      const variants: Item[] = [];
      // Every byte of the outer layers and the certificate bag's start, then a sample of the rest.
      for (let at = 0; at < original.bytes.byteLength; at += at < 160 ? 1 : 7) {
        variants.push({
          ...original,
          label: `${original.label} byte ${at} flipped`,
          bytes: flipByte(original.bytes, at),
        });
      }
      for (const keep of [1, 2, 4, 9, 30, 200, original.bytes.byteLength - 1]) {
        variants.push({
          ...original,
          label: `${original.label} cut to ${keep}`,
          bytes: original.bytes.subarray(0, keep),
        });
      }
      const verdicts = expectSameVerdicts(variants, cache);
      expect(verdicts.filter((v) => !v.valid).length).toBeGreaterThan(variants.length / 2);
      // The genuine token still verifies from the cache the variants went through.
      expect(expectSameVerdicts([original], cache)[0]?.valid).toBe(true);
    }
  });

  it('judges each token at its own genTime, whatever the cache saw before', () => {
    const dated = (iso: string): Item => ({
      label: `genTime ${iso}`,
      bytes: resignToken(ec.response, ec.tsa.leafKeyPath, {
        tstInfo: (tst) => {
          tst.genTime = new Date(iso);
        },
      }),
      expected: { data: ec.data },
      options: { trustAnchors: ec.anchors },
    });
    const genuine: Item = {
      label: 'genuine',
      bytes: ec.response,
      expected: { data: ec.data },
      options: { trustAnchors: ec.anchors },
    };
    const items = [genuine, dated('2001-01-01T00:00:00Z'), genuine, dated('2099-01-01T00:00:00Z'), genuine];
    for (const item of items) expect(decodeCached(item.bytes, 'auto', new TsaVerificationCache())).toBeDefined();
    const verdicts = expectSameVerdicts(items, new TsaVerificationCache());
    expect(verdicts.map((v) => v.code ?? 'valid')).toEqual(['valid', 'TSA_CHAIN', 'valid', 'TSA_CHAIN', 'valid']);
  });

  it('refuses a token nested deeper than asn1js allows in the whole, though its SignerInfo alone would parse', () => {
    // Levels: response 0, ContentInfo 1, [0] 2, SignedData 3, signerInfos 4, SignerInfo 5,
    // unsignedAttrs 6, Attribute 7, values 8, then the value: 94 SEQUENCEs put its NULL at 103.
    const { response: deep, signerInfo } = withUnsignedAttribute(ec.response, nested(94));
    expect(asn1js.fromBER(deep).result.error).toContain('depth');
    expect(asn1js.fromBER(signerInfo).result.error).toBe('');
    const options = { trustAnchors: ec.anchors };
    const [verdict] = expectSameVerdicts(
      [{ label: 'deep', bytes: deep, expected: { data: ec.data }, options }],
      new TsaVerificationCache(),
    );
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
    // Within the limit, the same construction verifies, on the fast path.
    const { response: shallow } = withUnsignedAttribute(ec.response, nested(85));
    expect(decodeCached(shallow, 'auto', new TsaVerificationCache())).toBeDefined();
    const [ok] = expectSameVerdicts(
      [{ label: 'shallow', bytes: shallow, expected: { data: ec.data }, options }],
      new TsaVerificationCache(),
    );
    expect(ok?.valid).toBe(true);
  });

  it('refuses a token with more ASN.1 values than asn1js allows in the whole, though its SignerInfo alone would parse', () => {
    const { response: many, signerInfo } = withUnsignedAttribute(
      ec.response,
      new asn1js.Sequence({ value: Array.from({ length: 9_900 }, () => new asn1js.Null()) }),
    );
    expect(asn1js.fromBER(many).result.error).toContain('node count');
    expect(asn1js.fromBER(signerInfo).result.error).toBe('');
    const item = { label: 'many', bytes: many, expected: { data: ec.data }, options: { trustAnchors: ec.anchors } };
    const [verdict] = expectSameVerdicts([item], new TsaVerificationCache());
    expect(verdict).toMatchObject({ valid: false, code: 'TSA_MALFORMED' });
    // Fewer values, in fewer bytes than the limit: verified, on the fast path.
    const { response: some } = withUnsignedAttribute(
      ec.response,
      new asn1js.Sequence({ value: Array.from({ length: 3_000 }, () => new asn1js.Null()) }),
    );
    expect(decodeCached(some, 'auto', new TsaVerificationCache())).toBeDefined();
    const [ok] = expectSameVerdicts([{ ...item, label: 'some', bytes: some }], new TsaVerificationCache());
    expect(ok?.valid).toBe(true);
  });
});
