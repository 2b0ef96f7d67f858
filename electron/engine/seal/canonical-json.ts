import { AevError } from '../../common/errors.ts';

/**
 * RFC 8785 JSON Canonicalization Scheme. Chain records and manifests are signed and time-stamped as
 * these exact bytes, so anyone can re-derive them from the parsed document.
 * - §3.2.2.2 strings and §3.2.2.3 numbers serialize as ECMAScript's JSON.stringify does;
 * - §3.2.3 object members are sorted by the UTF-16 code units of their names (JS's default sort);
 * - §3.1 the data must be I-JSON (RFC 7493): finite binary64 numbers, strings without lone surrogates.
 *
 * Why not the `canonicalize` package: it follows JSON.stringify's data model, so it silently drops
 * undefined members, turns undefined array slots into null and calls toJSON (a Date becomes a string).
 * A signed record must never differ from the value the caller built, so we refuse all of those; the
 * strict walk below is the serializer, and the tests check it against `canonicalize` byte for byte.
 */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(new Writer().value(value), 'utf8');
}

/** True when `bytes` is UTF-8 JSON already in RFC 8785 form (what a verifier checks); never throws. */
export function isCanonicalJson(bytes: Uint8Array): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return canonicalJson(JSON.parse(text)).equals(bytes);
  } catch {
    return false;
  }
}

// Deep enough for any record or manifest; bounds recursion on hostile input (a clear error, not a stack overflow).
const MAX_DEPTH = 256;
// With the u flag a well-formed surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

class Writer {
  readonly #path: string[] = [];
  readonly #open = new Set<object>();

  value(v: unknown): string {
    switch (typeof v) {
      case 'string':
        return this.#string(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        // §3.2.2.3: NaN and ±Infinity have no JSON form. -0 serializes as 0, as ECMAScript does.
        if (!Number.isFinite(v)) throw this.#refuse(String(v));
        return JSON.stringify(v);
      case 'object':
        return v === null ? 'null' : this.#container(v);
      case 'undefined':
      case 'bigint':
      case 'function':
      case 'symbol':
        throw this.#refuse(typeof v);
    }
  }

  #string(s: string): string {
    if (LONE_SURROGATE.test(s)) throw this.#refuse('a string with a lone surrogate');
    return JSON.stringify(s);
  }

  #container(v: object): string {
    if (this.#open.has(v)) throw this.#refuse('a circular reference');
    if (this.#path.length >= MAX_DEPTH) throw this.#refuse(`nesting deeper than ${MAX_DEPTH}`);
    const proto = Object.getPrototypeOf(v) as unknown;
    const isArray = Array.isArray(v) && proto === Array.prototype;
    if (!isArray && proto !== Object.prototype && proto !== null) throw this.#refuse('a non-plain object');
    if (Object.getOwnPropertySymbols(v).length > 0) throw this.#refuse('symbol-keyed members');
    this.#open.add(v);
    const out = isArray ? this.#array(v as readonly unknown[]) : this.#object(v as Readonly<Record<string, unknown>>);
    this.#open.delete(v);
    return out;
  }

  #array(a: readonly unknown[]): string {
    const parts: string[] = [];
    // Index access, not map(): a hole in a sparse array reads as undefined and is refused.
    for (let i = 0; i < a.length; i++) parts.push(this.#member(`[${i}]`, a[i]));
    return `[${parts.join(',')}]`;
  }

  #object(o: Readonly<Record<string, unknown>>): string {
    // §3.2.3: Array.prototype.sort without a comparator orders by UTF-16 code units, as required.
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${this.#string(k)}:${this.#member(`.${k}`, o[k])}`).join(',')}}`;
  }

  #member(step: string, v: unknown): string {
    this.#path.push(step);
    const out = this.value(v);
    this.#path.pop();
    return out;
  }

  #refuse(what: string): AevError {
    const where = `$${this.#path.join('')}`;
    return new AevError('E_SCHEMA', `${where}: ${what} cannot be represented in canonical JSON (RFC 8785)`, { where });
  }
}
