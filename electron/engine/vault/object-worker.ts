// Vault object sealing and digests in a worker thread (see object-workers.ts for why): exactly what the
// engine thread does with the same bytes (object-format.ts), with blocking file calls, which cost a
// system call each here instead of a trip to libuv's thread pool, and stall no one but this thread.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { isAevError } from '../../common/errors.ts';
import { freeBuffer } from '../runtime/free-buffer.ts';
import { writeDurableFileSync } from './durable-file.ts';
import { digestObjectSync, OBJECT_READ_BYTES, sealObject } from './object-format.ts';
import type { ObjectWorkerData, ObjectWorkerReply, ObjectWorkerRequest } from './object-workers.ts';

const port = parentPort;
if (port === null) throw new Error('object-worker runs as a worker thread');
const data = workerData as ObjectWorkerData;
const key = Buffer.from(data.key);
// Holds ciphertext only, reused from one digest to the next (object-format.ts says why).
const readBuffer = Buffer.allocUnsafe(OBJECT_READ_BYTES);

function handle(request: ObjectWorkerRequest): ObjectWorkerReply {
  const o = { vaultId: data.vaultId, kind: request.kind, id: request.objectId };
  if (request.op === 'put') {
    const sealed = sealObject(key, o, Buffer.from(request.data, 0, request.length));
    writeDurableFileSync(request.file, sealed.pieces);
    for (const piece of sealed.pieces) freeBuffer(piece);
    return { id: request.id, ok: true, size: request.length, storedSize: sealed.storedSize, sha256: sealed.sha256 };
  }
  const fd = fs.openSync(request.file, 'r');
  try {
    return { id: request.id, ok: true, storedSize: 0, ...digestObjectSync(fd, readBuffer, key, o) };
  } finally {
    fs.closeSync(fd);
  }
}

port.on('message', (request: ObjectWorkerRequest | 'close') => {
  if (request === 'close') {
    // The vault was closed: its key goes, as the engine thread's copies do (Vault.close).
    key.fill(0);
    port.close();
    return;
  }
  let reply: ObjectWorkerReply;
  try {
    reply = handle(request);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException | null)?.code;
    reply = {
      id: request.id,
      ok: false,
      code: isAevError(error) ? error.code : null,
      errno: typeof errno === 'string' ? errno : null,
      message: error instanceof Error ? error.message : String(error),
    };
  }
  port.postMessage(reply);
});
