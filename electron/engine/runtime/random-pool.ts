import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 64 * 1024;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Random bytes from the OS CSPRNG, drawn in 64 KiB refills: the hot ingest path needs an IV, a salt
 * and an id per event, and one syscall per 64 KiB instead of three per event is measurably faster.
 * Every call returns a fresh copy; bytes are never handed out twice.
 */
export function randomBytesFast(n: number): Buffer {
  if (n > POOL_BYTES) return randomFillSync(Buffer.alloc(n));
  if (offset + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
