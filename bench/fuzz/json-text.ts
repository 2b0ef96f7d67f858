/**
 * Serializes a frame to the bytes we put on the wire, with holes for what JSON.stringify cannot say:
 * raw number text (1e400, 2^64), nesting deeper than JSON.stringify's stack allows, duplicate keys,
 * bytes that are not UTF-8. Each hole is a placeholder string in the tree, replaced in the output.
 */
const MARK = '\u0001fz';

export class JsonText {
  readonly #raw = new Map<string, Buffer>();
  #next = 0;

  /** A placeholder value that becomes exactly `bytes` in the output (quotes included if wanted). */
  raw(bytes: Buffer | string): string {
    const token = `${MARK}${this.#next++}\u0001`;
    this.#raw.set(JSON.stringify(token), typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    return token;
  }

  /** A placeholder key that is written as `key`, so an object can carry the same key twice. */
  duplicateKey(key: string): string {
    const token = `${MARK}${this.#next++}\u0001`;
    this.#raw.set(JSON.stringify(token), Buffer.from(JSON.stringify(key), 'utf8'));
    return token;
  }

  /** Changes what an earlier placeholder becomes (a long string sized once the rest is known). */
  fill(token: string, bytes: Buffer): void {
    this.#raw.set(JSON.stringify(token), bytes);
  }

  /** The wire bytes of `value` with every placeholder filled in. */
  encode(value: unknown): Buffer {
    const text = JSON.stringify(value);
    if (this.#raw.size === 0) return Buffer.from(text, 'utf8');
    const parts: Buffer[] = [];
    let at = 0;
    const pattern = /"\\u0001fz\d+\\u0001"/g;
    for (const m of text.matchAll(pattern)) {
      const fill = this.#raw.get(m[0]);
      if (fill === undefined) continue;
      parts.push(Buffer.from(text.slice(at, m.index), 'utf8'), fill);
      at = m.index + m[0].length;
    }
    parts.push(Buffer.from(text.slice(at), 'utf8'));
    return Buffer.concat(parts);
  }
}
