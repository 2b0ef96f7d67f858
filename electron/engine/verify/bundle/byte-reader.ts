/** Reads exact byte counts from an async stream of chunks (a file, or age's decrypted stream). */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #pending: Buffer = Buffer.alloc(0);
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes; fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.#pending.length < n && !this.#ended) {
      const next = await this.#source.next();
      if (next.done === true) this.#ended = true;
      else this.#pending = this.#pending.length === 0 ? view(next.value) : Buffer.concat([this.#pending, next.value]);
    }
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(out.length);
    return out;
  }

  /** Up to `max` bytes, whatever is at hand first (at least one chunk unless the stream ended). */
  async readSome(max: number): Promise<Buffer> {
    if (this.#pending.length === 0 && !this.#ended) {
      const next = await this.#source.next();
      if (next.done === true) this.#ended = true;
      else this.#pending = view(next.value);
    }
    const out = this.#pending.subarray(0, max);
    this.#pending = this.#pending.subarray(out.length);
    return out;
  }

  /** Stops the source early (a refused archive need not be read to its end). */
  async cancel(): Promise<void> {
    await this.#source.return?.();
  }
}

/** The same bytes as a Buffer, without copying (Buffer.from(Uint8Array) would copy). */
function view(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
