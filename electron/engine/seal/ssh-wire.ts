/** RFC 4251 §5 wire encoding: `string` is a uint32 length and the bytes; `uint32` is big-endian. */
export function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

export function sshUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Reads RFC 4251 fields in order; every read is bounds-checked (input may be hostile). */
export class SshReader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.#pos + n > this.#buf.length) throw new RangeError('truncated SSH data');
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString('utf8');
  }

  get done(): boolean {
    return this.#pos === this.#buf.length;
  }
}
