/**
 * Reads exact byte counts from an async stream of chunks (a file, or age's decrypted stream). Chunks are
 * held as they came and handed out as views; bytes are copied only for a read that spans two chunks (a
 * 512-byte header or padding across a slab boundary), never whole chunks. A view is valid until the next
 * call, unless it was asked for with `keep`: when the source reuses its memory (`release`), a chunk is
 * given back once it is used up, at the next call, and only if no kept view was taken from it.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #release: ((chunk: Buffer) => void) | undefined;
  /** Unread chunks; the first one from `#offset` on. */
  readonly #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  #ended = false;
  /** A kept view was taken from the first chunk: it is never given back. */
  #firstKept = false;
  /** Views lent out of a chunk and not yet returned; a used-up chunk goes back when the last returns. */
  readonly #lent = new Map<Buffer, { count: number; usedUp: boolean }>();
  /** Chunks used up since the last call, given back at the next one (the last view may be in use). */
  readonly #used: Buffer[] = [];

  constructor(source: AsyncIterable<Uint8Array>, release?: (chunk: Buffer) => void) {
    this.#source = source[Symbol.asyncIterator]();
    this.#release = release;
  }

  /** Up to `n` bytes; fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    this.#giveBack();
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

  /**
   * Up to `max` bytes, whatever is at hand first (at least one chunk unless the stream ended). `keep`:
   * the view outlives the next call (kept content, or bytes handed to a sink), so its chunk is never
   * given back.
   */
  async readSome(max: number, keep = false): Promise<Buffer> {
    this.#giveBack();
    while (this.#buffered === 0 && (await this.#pull()));
    const first = this.#chunks[0];
    if (first === undefined) return Buffer.alloc(0);
    if (keep) this.#firstKept = true;
    return this.#take(first, max);
  }

  /**
   * Like readSome, for a view that outlives the next call until its borrower calls `giveBack` (bytes on
   * their way to another process): its chunk goes back to the source only after that. A view never given
   * back keeps its chunk from the source, as a kept one does.
   */
  async lend(max: number): Promise<{ readonly view: Buffer; readonly giveBack: () => void }> {
    this.#giveBack();
    while (this.#buffered === 0 && (await this.#pull()));
    const first = this.#chunks[0];
    if (first === undefined) return { view: Buffer.alloc(0), giveBack: () => undefined };
    const loan = this.#lent.get(first) ?? { count: 0, usedUp: false };
    this.#lent.set(first, loan);
    loan.count += 1;
    const view = this.#take(first, max);
    let returned = false;
    const giveBack = (): void => {
      if (returned) return;
      returned = true;
      loan.count -= 1;
      if (loan.count === 0 && loan.usedUp) {
        this.#lent.delete(first);
        this.#release?.(first);
      }
    };
    return { view, giveBack };
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
      const loan = this.#lent.get(first);
      if (this.#firstKept || this.#release === undefined) this.#lent.delete(first);
      else if (loan !== undefined && loan.count > 0) loan.usedUp = true;
      else {
        this.#lent.delete(first);
        this.#used.push(first);
      }
      this.#firstKept = false;
    }
    return out;
  }

  #giveBack(): void {
    for (const chunk of this.#used.splice(0)) this.#release?.(chunk);
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
