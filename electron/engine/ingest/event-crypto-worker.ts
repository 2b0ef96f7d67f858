// Hashing and encryption of a batch of events' stored bytes, in a worker thread (see event-crypto.ts for
// why). Exactly what the engine thread would do with the same bytes: SHA-256 digest, RFC 6962 leaf hash,
// AES-256-GCM under the index field key with the event's AAD (vault/aead.ts, payload-aad.ts).
import { hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { leafHash } from '../seal/merkle.ts';
import { sealBytes } from '../vault/aead.ts';
import type { EventCryptoReply, EventCryptoRequest, EventCryptoWorkerData } from './event-crypto.ts';
import { HASHES_PER_EVENT } from './event-crypto.ts';
import { payloadAad } from './payload-aad.ts';

const port = parentPort;
if (port === null) throw new Error('event-crypto-worker runs as a worker thread');
const key = Buffer.from((workerData as EventCryptoWorkerData).key);

port.on('message', (request: EventCryptoRequest) => {
  const plains = Buffer.from(request.plains);
  const count = request.ids.length;
  const hashes = Buffer.allocUnsafe(count * HASHES_PER_EVENT);
  const sealed: Buffer[] = [];
  const ends = new Uint32Array(count);
  let start = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const end = request.ends[i] ?? start;
    const plain = plains.subarray(start, end);
    const digest = hash('sha256', plain, 'buffer');
    hashes.set(digest, i * HASHES_PER_EVENT);
    hashes.set(leafHash(digest), i * HASHES_PER_EVENT + 32);
    const ct = sealBytes(key, plain, payloadAad(request.ids[i] ?? ''));
    sealed.push(ct);
    total += ct.length;
    ends[i] = total;
    start = end;
  }
  // One buffer of its own (not the shared pool) so it can be transferred, not copied, back.
  const out = new Uint8Array(new ArrayBuffer(total));
  let at = 0;
  for (const ct of sealed) {
    out.set(ct, at);
    at += ct.length;
  }
  const hashesOut = new Uint8Array(new ArrayBuffer(hashes.length));
  hashesOut.set(hashes);
  const reply: EventCryptoReply = { id: request.id, hashes: hashesOut.buffer, sealed: out.buffer, ends };
  port.postMessage(reply, [hashesOut.buffer, out.buffer, ends.buffer]);
});
