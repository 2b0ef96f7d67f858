// The exporter's vault reader thread (see object-reader-thread.ts for why): reads, decrypts and hashes the
// objects the engine thread asks for, with the vault's own ObjectStore, into the shared slot it names.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { AevError } from '../../common/errors.ts';
import { OBJECT_READ_BYTES } from '../vault/object-format.ts';
import { ObjectStore } from '../vault/object-store.ts';
import type { ReadReply, ReaderReply, ReaderRequest, ReaderWorkerData, ReadRequest } from './object-reader-thread.ts';

const port = parentPort;
if (port === null) throw new Error('object-reader-worker runs as a worker thread');
const { vaultDir, vaultId, key, slots, slotBytes } = workerData as ReaderWorkerData;
const objectsKey = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
const store = new ObjectStore(vaultDir, vaultId, () => objectsKey);
// Holds ciphertext only, reused from one object to the next.
const readBuffer = Buffer.allocUnsafe(OBJECT_READ_BYTES);

function reply(message: ReaderReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** Reads one object into its slot (or, larger than a slot, into a buffer of its own, in `transfer`). */
function read(r: ReadRequest, transfer: ArrayBuffer[]): ReadReply {
  try {
    const hash = createHash('sha256');
    const slot = new Uint8Array(slots, r.slot * slotBytes, slotBytes);
    let size = 0;
    // An object larger than a slot (none that capture makes today) goes back whole, transferred.
    const spilled: Uint8Array[] = [];
    // Blocking reads: one system call per ~1 MiB instead of four trips to libuv's pool per object, and
    // each decrypted segment is freed once copied into the slot (free-buffer.ts).
    store.readSync(r.kind, r.objectId, readBuffer, (piece) => {
      hash.update(piece);
      if (spilled.length === 0 && size + piece.length <= slotBytes) slot.set(piece, size);
      else {
        if (spilled.length === 0) spilled.push(slot.slice(0, size));
        spilled.push(new Uint8Array(piece));
      }
      size += piece.length;
    });
    const sha256 = hash.digest('hex');
    if (spilled.length === 0) return { type: 'read', id: r.id, size, sha256, whole: null };
    const whole = new Uint8Array(new ArrayBuffer(size));
    let at = 0;
    for (const p of spilled) {
      whole.set(p, at);
      at += p.length;
    }
    transfer.push(whole.buffer);
    return { type: 'read', id: r.id, size, sha256, whole: whole.buffer };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return {
      type: 'failed',
      id: r.id,
      code: error instanceof AevError ? error.code : null,
      errno: typeof e.code === 'string' ? e.code : null,
      message: e.message,
      context: error instanceof AevError ? error.context : undefined,
    };
  }
}

port.on('message', (r: ReaderRequest) => {
  if (r.type === 'close') {
    // The key copy goes before the thread does (terminate frees memory without clearing it).
    objectsKey.fill(0);
    reply({ type: 'closed' });
    return;
  }
  // The reads asked for together are answered together: one message back, not one per object.
  const transfer: ArrayBuffer[] = [];
  const replies = r.reads.map((one) => read(one, transfer));
  reply({ type: 'reads', replies }, transfer);
});
