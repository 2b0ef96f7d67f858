import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson, isCanonicalJson } from '../../../../electron/engine/seal/canonical-json.ts';

/** An IEEE 754 double from its big-endian bit pattern, as RFC 8785 Appendix B lists them. */
function double(bits: string): number {
  return Buffer.from(bits, 'hex').readDoubleBE(0);
}

/** A small seeded PRNG (mulberry32) so the differential test is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RFC 8785 canonical JSON', () => {
  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // The RFC's expected order; compared as text, because JSON.parse would move the key "1" first again.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k as keyof typeof input])}`).join(',')}}`;
    expect(canonicalJson(input).toString('utf8')).toBe(expected);
  });

  it('produces the RFC 8785 §3.2.4 UTF-8 bytes for the §3.2.2 sample', () => {
    const input = {
      numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    const rfcBytes = `
      7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
      75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
      5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
      65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
      5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
      30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`;
    expect(canonicalJson(input).toString('hex')).toBe(rfcBytes.replace(/\s+/g, ''));
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('formats the double 0x%s as %s (RFC 8785 Appendix B)', (bits, text) => {
    expect(canonicalJson({ n: double(bits) }).toString('utf8')).toBe(`{"n":${text}}`);
  });

  it.each([
    ['NaN (0x7fffffffffffffff)', double('7fffffffffffffff')],
    ['Infinity (0x7ff0000000000000)', double('7ff0000000000000')],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('refuses %s (RFC 8785 Appendix B error cases)', (_what, n) => {
    expect(() => canonicalJson({ n })).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }));
  });

  it('agrees byte for byte with the canonicalize package on 300 random documents', () => {
    const rand = prng(8785);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const chars = [
      'a',
      'Z',
      '1',
      ' ',
      '"',
      '\\',
      '/',
      '\n',
      '\u0000',
      '\u001f',
      '\u007f',
      'é',
      '\u20ac',
      '\ufb33',
      '😀',
    ];
    const str = (): string => Array.from({ length: Math.floor(rand() * 6) }, () => pick(chars)).join('');
    const num = (): number => {
      const b = Buffer.alloc(8);
      for (let i = 0; i < 8; i++) b[i] = Math.floor(rand() * 256);
      const n = b.readDoubleBE(0);
      return Number.isFinite(n) ? n : pick([0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53]);
    };
    const value = (depth: number): unknown => {
      const kind = depth > 3 ? Math.floor(rand() * 4) : Math.floor(rand() * 6);
      if (kind === 0) return pick([null, true, false]);
      if (kind === 1) return num();
      if (kind === 2 || kind === 3) return str();
      if (kind === 4) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [str(), value(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) {
      const doc = value(0);
      const ours = canonicalJson(doc).toString('utf8');
      expect(ours).toBe(canonicalize(doc));
      expect(canonicalJson(JSON.parse(ours)).toString('utf8')).toBe(ours);
    }
  });

  it('accepts objects without a prototype, as JSON.parse can never make but callers may', () => {
    const o = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [] });
    expect(canonicalJson(o).toString('utf8')).toBe('{"a":[],"b":1}');
  });

  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = { back: circular };
  let deep: unknown = 0;
  for (let i = 0; i < 1000; i++) deep = [deep];
  it.each([
    ['an undefined member', { a: { b: undefined } }, '$.a.b: undefined'],
    ['an undefined array item', [1, undefined], '$[1]: undefined'],
    ['a hole in a sparse array', sparse, '$[1]: undefined'],
    ['a BigInt', { big: 1n }, '$.big: bigint'],
    ['a function', { f: () => 0 }, '$.f: function'],
    ['a symbol', [Symbol('s')], '$[0]: symbol'],
    ['a Date (JSON.stringify would call toJSON)', { d: new Date(0) }, '$.d: a non-plain object'],
    ['a Buffer', { b: Buffer.from('x') }, '$.b: a non-plain object'],
    ['a Map', { m: new Map() }, '$.m: a non-plain object'],
    ['a symbol-keyed member', { [Symbol('k')]: 1 }, '$: symbol-keyed'],
    ['a lone surrogate in a value', { s: 'a\ud800' }, '$.s: a string with a lone surrogate'],
    ['a lone surrogate in a name', { '\udc00': 1 }, '$: a string with a lone surrogate'],
    ['a circular reference', circular, '$.self.back: a circular reference'],
    ['nesting 1000 deep', deep, 'nesting deeper than'],
  ])('refuses %s with E_SCHEMA and says where', (_what, input, message) => {
    expect(() => canonicalJson(input)).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }));
    expect(() => canonicalJson(input)).toThrow(message);
  });

  it('serializes a shared (not circular) object each time it appears', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] }).toString('utf8')).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });
});

describe('isCanonicalJson', () => {
  it('accepts bytes in canonical form', () => {
    expect(isCanonicalJson(canonicalJson({ b: [1, 'é'], a: null }))).toBe(true);
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['unsorted members', '{"b":1,"a":2}'],
    ['a duplicated member', '{"a":1,"a":1}'],
    ['a non-shortest number', '{"a":1.0}'],
    ['an escaped character that need not be', '{"a":"\\u0041"}'],
    ['an escaped lone surrogate', '{"a":"\\ud800"}'],
    ['a number beyond binary64', '{"a":1e400}'],
    ['a byte-order mark', '\ufeff{"a":1}'],
    ['not JSON', '{"a":'],
  ])('refuses %s', (_what, text) => {
    expect(isCanonicalJson(Buffer.from(text, 'utf8'))).toBe(false);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(isCanonicalJson(Buffer.from([0x22, 0xff, 0x22]))).toBe(false);
  });
});
