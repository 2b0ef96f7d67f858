// The payload half of age-decrypt-file.ts, on a worker thread: reads the file from the chunk the calling
// thread hands over at (it decrypts the first ones itself while this thread loads) and opens every chunk
// with AgePayloadDecryptor (the same code, and so the same checks and errors, as ageDecrypt), copying
// the plaintext into 1 MiB slabs that are transferred, not copied, to the reader and given back by it
// once their bytes are used.
import fs from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { AevError } from '../../common/errors.ts';
import { freeBuffer } from '../runtime/free-buffer.ts';
import type { DecryptReply, DecryptWorkerData } from './age-decrypt-thread.ts';
import { CANCELLED, CONSUMED, READY, SLAB_BYTES, START } from './age-decrypt-thread.ts';
import { AgePayloadDecryptor, CHUNK_BYTES, SEALED_CHUNK_BYTES } from './age-stream.ts';

/** Read size: a slab's worth of sealed chunks, opened in place; their outputs live only until copied. */
const READ_BYTES = (SLAB_BYTES / CHUNK_BYTES) * SEALED_CHUNK_BYTES;
/** How long one wait for the reader lasts before the cancel flag is looked at again (it also wakes us). */
const WAIT_MS = 1000;

/** Thrown to unwind once the reader stopped; nothing is sent after it. */
class Cancelled extends Error {}

const port = parentPort;
if (port === null) throw new Error('age-decrypt-worker runs as a worker thread');
const data = workerData as DecryptWorkerData;
const counters = new Int32Array(data.control);
let sent = 0;
/** Slabs the reader gave back (their bytes are no longer used there), to be filled again. */
const spare: ArrayBuffer[] = [];
let slab = nextSlab();
let fill = 0;

/**
 * A slab to fill: one given back if any, else a new one. Reusing them spares the page faults of fresh
 * memory (in this VM, more than the decryption itself); slabs the reader keeps are simply replaced.
 */
function nextSlab(): Uint8Array<ArrayBuffer> {
  for (let m = receiveMessageOnPort(data.spare); m !== undefined; m = receiveMessageOnPort(data.spare))
    spare.push(m.message as ArrayBuffer);
  // allocUnsafeSlow: a buffer of its own (transferable), not zero-filled, as it is filled right away.
  return new Uint8Array(spare.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES).buffer);
}

/** Waits until the reader took enough slabs for one more to be sent. */
function waitForRoom(): void {
  for (;;) {
    if (Atomics.load(counters, CANCELLED) !== 0) throw new Cancelled();
    const consumed = Atomics.load(counters, CONSUMED);
    if (sent - consumed < data.slabsAhead) return;
    Atomics.wait(counters, CONSUMED, consumed, WAIT_MS);
  }
}

function send(): void {
  if (fill === 0) return;
  waitForRoom();
  const reply: DecryptReply = { type: 'slab', slab: slab.buffer, length: fill };
  port?.postMessage(reply, [slab.buffer]);
  sent += 1;
  slab = nextSlab();
  fill = 0;
}

/**
 * Copies a chunk's plaintext into slabs, then frees it: node:crypto's output is a fresh buffer per chunk,
 * and detaching it hands its memory back at once, so the next chunk's output lands in the same warm
 * memory instead of new memory up to the next garbage collection (tens of MB, each page faulted in).
 */
function take(plain: Buffer): void {
  let off = 0;
  while (off < plain.length) {
    const n = Math.min(SLAB_BYTES - fill, plain.length - off);
    slab.set(plain.subarray(off, off + n), fill);
    fill += n;
    off += n;
    if (fill === SLAB_BYTES) send();
  }
  freeBuffer(plain);
}

/** Says it has loaded, then waits for the chunk the calling thread hands the payload over at. */
function startChunk(): number {
  Atomics.store(counters, READY, 1);
  Atomics.notify(counters, READY);
  for (;;) {
    if (Atomics.load(counters, CANCELLED) !== 0) throw new Cancelled();
    const start = Atomics.load(counters, START);
    if (start >= 0) return start;
    Atomics.wait(counters, START, start, WAIT_MS);
  }
}

function run(): DecryptReply {
  const first = startChunk();
  const payload = new AgePayloadDecryptor(data.payloadKey, first);
  const input = Buffer.allocUnsafe(READ_BYTES);
  const out: Buffer[] = [];
  for (let position = data.offset + first * SEALED_CHUNK_BYTES; ;) {
    if (Atomics.load(counters, CANCELLED) !== 0) throw new Cancelled();
    const n = fs.readSync(data.fd, input, 0, READ_BYTES, position);
    position += n;
    if (n === 0) payload.finish(out);
    else payload.push(input.subarray(0, n), out);
    for (const plain of out) take(plain);
    out.length = 0;
    if (n === 0) break;
  }
  send();
  return { type: 'end' };
}

let last: DecryptReply | null;
try {
  last = run();
} catch (error) {
  if (error instanceof Cancelled) last = null;
  else if (error instanceof AevError) last = { type: 'failed', code: error.code, message: error.message };
  else last = { type: 'failed', code: null, message: error instanceof Error ? error.message : String(error) };
}
if (last !== null) port.postMessage(last);
