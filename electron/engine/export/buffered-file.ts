import type { FileHandle } from 'node:fs/promises';

/** Output is written in blocks this large: few system calls, and a whole block per thread-pool trip. */
const BLOCK_BYTES = 4 * 1024 * 1024;
/**
 * Every this many bytes a datasync is started beside the writes (never in their way), so the disk writes
 * back during the work instead of all at the final fsync; also bounds the dirty pages one export holds.
 */
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Appends bytes to an open file through two blocks: one fills (on the caller's thread) while the other is
 * written (on libuv's thread pool), so encryption and disk I/O overlap. `write` resolves once the bytes are
 * copied; awaiting it is the backpressure. Nothing reaches the file but what the caller wrote, in order.
 */
export class BufferedFileWriter {
  readonly #handle: FileHandle;
  #block = Buffer.allocUnsafe(BLOCK_BYTES);
  #spare = Buffer.allocUnsafe(BLOCK_BYTES);
  #fill = 0;
  #inflight: Promise<void> = Promise.resolve();
  /** The background datasync, if one runs; at most one at a time. */
  #syncing: Promise<void> | null = null;
  #unsynced = 0;
  /** Bytes handed to the file so far (written or in flight). */
  written = 0;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const n = Math.min(BLOCK_BYTES - this.#fill, data.length - off);
      this.#block.set(data.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
      if (this.#fill === BLOCK_BYTES) await this.#handOff();
    }
  }

  /**
   * Writes what is buffered and waits for every write; then fsyncs the file. A background datasync that
   * failed fails here: its error is the file's (the kernel reports a lost write-back once).
   */
  async close(): Promise<void> {
    await this.#handOff();
    await this.#inflight;
    await this.#syncing;
    await this.#handle.sync();
  }

  /** Waits for the write and sync in flight, ignoring their outcome (the caller is giving up). */
  async settle(): Promise<void> {
    await this.#inflight.catch(() => undefined);
    await this.#syncing?.catch(() => undefined);
  }

  async #handOff(): Promise<void> {
    // The spare block is free only once the previous write finished; a failed write surfaces here.
    await this.#inflight;
    const full = this.#block.subarray(0, this.#fill);
    [this.#block, this.#spare] = [this.#spare, this.#block];
    this.#fill = 0;
    this.written += full.length;
    this.#inflight = this.#writeAll(full);
    // Observed by the next hand-off or close; until then a failure must not count as unhandled.
    this.#inflight.catch(() => undefined);
  }

  async #writeAll(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) off += (await this.#handle.write(buf, off, buf.length - off)).bytesWritten;
    this.#unsynced += buf.length;
    // Not awaited: the next blocks are encrypted and written while this one syncs (a write waiting for
    // the sync stalled the whole export for the disk's time). One sync at a time; close() waits for it.
    if (this.#unsynced >= SYNC_EVERY_BYTES && this.#syncing === null) {
      this.#unsynced = 0;
      const syncing = this.#handle.datasync();
      this.#syncing = syncing;
      syncing.then(
        () => {
          if (this.#syncing === syncing) this.#syncing = null;
        },
        () => undefined, // kept in #syncing: close() rethrows it
      );
    }
  }
}
