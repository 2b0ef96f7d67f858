/**
 * Bytes received from a pipe, kept as the chunks they came in until a whole box can be taken out, so a
 * large mdat arriving in many 64 KiB reads is copied once rather than on every read.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The first `n` bytes (or fewer, if fewer are queued), without consuming them. */
  peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let have = 0;
    for (const chunk of this.chunks) {
      if (have >= n) break;
      parts.push(chunk.subarray(0, n - have));
      have += Math.min(chunk.length, n - have);
    }
    return Buffer.concat(parts, have);
  }

  /** Removes and returns exactly `n` bytes; the caller checks `length` first. */
  take(n: number): Buffer {
    if (n > this.total) throw new RangeError(`take(${n}) with ${this.total} bytes queued`);
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const want = n - have;
      if (chunk.length <= want) {
        parts.push(chunk);
        have += chunk.length;
        this.chunks.shift();
      } else {
        parts.push(chunk.subarray(0, want));
        this.chunks[0] = chunk.subarray(want);
        have += want;
      }
    }
    this.total -= n;
    return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, n);
  }
}
