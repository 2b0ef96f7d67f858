/**
 * Hands a buffer's memory back to the allocator now instead of at the next garbage collection, when the
 * buffer is the whole of its own ArrayBuffer (node:crypto's `update` output is: a fresh allocation per
 * call). Detaching it (`transfer(0)`) frees the old memory at once, so the next output of the same size
 * lands in the same, already faulted-in memory. Without it, a thread that seals or opens 64 KiB segments
 * leaves tens of MB of dead output buffers between collections, and every one of them is new memory
 * faulted in page by page: on this kind of VM that cost more CPU than the cipher (docs/performance.md).
 *
 * Only for buffers nothing else will read: the caller must be done with every view of it. A buffer
 * that shares its ArrayBuffer (a slice, Node's small-buffer pool) is left to the collector.
 */
export function freeBuffer(buffer: Uint8Array): void {
  const memory = buffer.buffer;
  if (memory instanceof ArrayBuffer && buffer.byteOffset === 0 && buffer.byteLength === memory.byteLength)
    memory.transfer(0);
}
