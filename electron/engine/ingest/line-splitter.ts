/**
 * Splits a byte stream into newline-terminated frames, refusing any line longer than `maxBytes`
 * without buffering it: an oversized line is reported once and skipped up to its newline, so one bad
 * frame never costs more than `maxBytes` of memory and the connection stays usable.
 */
export type SplitItem = { readonly kind: 'line'; readonly line: Buffer } | { readonly kind: 'oversized' };

export class LineSplitter {
  readonly #maxBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #skipping = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(chunk: Buffer): SplitItem[] {
    const out: SplitItem[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (this.#skipping) {
        if (nl !== -1) this.#skipping = false;
      } else if (this.#size + (end - start) > this.#maxBytes) {
        out.push({ kind: 'oversized' });
        this.#parts = [];
        this.#size = 0;
        this.#skipping = nl === -1;
      } else {
        if (end > start) {
          this.#parts.push(chunk.subarray(start, end));
          this.#size += end - start;
        }
        if (nl !== -1) {
          const line = this.#parts.length === 1 ? (this.#parts[0] ?? Buffer.alloc(0)) : Buffer.concat(this.#parts);
          this.#parts = [];
          this.#size = 0;
          if (line.length > 0) out.push({ kind: 'line', line: stripCr(line) });
        }
      }
      if (nl === -1) break;
      start = nl + 1;
    }
    return out;
  }

  /** Bytes of an unfinished line held in memory. */
  get buffered(): number {
    return this.#size;
  }
}

function stripCr(line: Buffer): Buffer {
  return line.at(-1) === 0x0d ? line.subarray(0, line.length - 1) : line;
}
