import { AevError } from '../../common/errors.ts';

/**
 * RFC 8785 JSON Canonicalization Scheme. Chain records and manifests are signed and time-stamped as
 * these exact bytes, so anyone can re-derive them from the parsed document.
 * - §3.2.2.2 strings and §3.2.2.3 numbers serialize as ECMAScript's JSON.stringify does;
 * - §3.2.3 object members are sorted by the UTF-16 code units of their names (JS's default sort).
 * Values JSON cannot represent (undefined, NaN, ±Infinity, BigInt, functions, symbols, class
 * instances such as Date or Buffer) are refused rather than silently changed.
 */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(serialize(value, '$'), 'utf8');
}

function serialize(value: unknown, where: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refuse(where, String(value));
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v, i) => serialize(v, `${where}[${String(i)}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw refuse(where, 'a non-plain object');
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${serialize(record[k], `${where}.${k}`)}`).join(',')}}`;
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw refuse(where, typeof value);
  }
}

function refuse(where: string, what: string): AevError {
  return new AevError('E_SCHEMA', `${where}: ${what} cannot be represented in canonical JSON (RFC 8785)`);
}
