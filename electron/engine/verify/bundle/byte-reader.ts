/**
 * Reads exact byte counts from an async stream of chunks (a file, or age's decrypted stream). Chunks are
 * held as they came and handed out as views; bytes are copied only for a read that spans two chunks (a
 * 512-byte header or padding across an age chunk boundary), never whole chunks.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  /** Unread chunks; the first one from `#offset` on. */
  readonly #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes; fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.#buffered < n && (await this.#pull()));
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) return this.#take(first, n);
    const out = Buffer.allocUnsafe(Math.min(n, this.#buffered));
    let at = 0;
    while (at < out.length) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) break;
      at += this.#take(chunk, out.length - at).copy(out, at);
    }
    return out;
  }

  /** Up to `max` bytes, whatever is at hand first (at least one chunk unless the stream ended). */
  async readSome(max: number): Promise<Buffer> {
    while (this.#buffered === 0 && (await this.#pull()));
    const first = this.#chunks[0];
    return first === undefined ? Buffer.alloc(0) : this.#take(first, max);
  }

  /** Stops the source early (a refused archive need not be read to its end). */
  async cancel(): Promise<void> {
    await this.#source.return?.();
  }

  /** Up to `n` bytes of the first chunk, as a view; drops the chunk once it is used up. */
  #take(first: Buffer, n: number): Buffer {
    const out = first.subarray(this.#offset, this.#offset + n);
    this.#offset += out.length;
    this.#buffered -= out.length;
    if (this.#offset === first.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
    return out;
  }

  /** One more chunk from the source; false at its end. */
  async #pull(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#source.next();
    if (next.done === true) {
      this.#ended = true;
      return false;
    }
    if (next.value.length > 0) {
      this.#chunks.push(view(next.value));
      this.#buffered += next.value.length;
    }
    return true;
  }
}

/** The same bytes as a Buffer, without copying (Buffer.from(Uint8Array) would copy). */
function view(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
