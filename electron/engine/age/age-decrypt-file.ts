import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { MessageChannel } from 'node:worker_threads';
import { openAgePayload } from './age-decrypt.ts';
import { DecryptThread, SLAB_BYTES } from './age-decrypt-thread.ts';
import type { AgeIdentity } from './age-keys.ts';
import { AgePayloadDecryptor, CHUNK_BYTES, SEALED_CHUNK_BYTES } from './age-stream.ts';

export { SLAB_BYTES } from './age-decrypt-thread.ts';

/** The header is read in pieces this large (a header of one X25519 recipient is ~200 bytes). */
const HEAD_READ_BYTES = 64 * 1024;
/** A payload smaller than this is decrypted on the calling thread alone (a worker takes ~0.1–0.3 s to load). */
const THREAD_MIN_BYTES = 32 * 1024 * 1024;
/** While the worker loads, this thread reads a slab's worth of sealed chunks at a time. */
const START_READ_BYTES = (SLAB_BYTES / CHUNK_BYTES) * SEALED_CHUNK_BYTES;

/** A stream of pieces whose memory the consumer gives back once it no longer uses a piece's bytes. */
export interface RecyclingSource extends AsyncIterable<Buffer> {
  /**
   * `piece`, yielded whole by this source, is no longer read by anyone: its memory may be filled again
   * (it is detached here at once). A piece never given back is simply garbage collected.
   */
  release(piece: Buffer): void;
}

/**
 * Decrypts the age v1 file `file` like ageDecrypt, with the payload on a worker thread: this thread reads
 * and authenticates the header (the identities never leave it; the worker gets the payload key), then the
 * worker reads the file and opens each 64 KiB chunk (native ChaCha20-Poly1305), sending the plaintext in
 * transferred 1 MiB slabs. The caller meanwhile parses, hashes and checks what it was given, so on two
 * cores the two halves run side by side (docs/performance.md, "Export and verify"). Until the worker has
 * loaded, this thread decrypts the first chunks itself, and the worker resumes at the next chunk (a
 * worker that never loads, or a payload under 32 MiB, leaves the whole file to this thread). Every piece is yielded once all of its
 * chunks are authenticated; the worker runs a few slabs ahead of the caller at most, and refills the
 * slabs the caller releases. Errors are those of ageDecrypt (the worker's E_AGE_AUTH and E_AGE_FORMAT
 * arrive as the same AevErrors), plus the file system's. However the caller stops (end, failure, or
 * return()), the worker has exited and the file is closed before the iteration finishes. Iterate once.
 */
export function ageDecryptFile(
  file: string,
  identities: readonly AgeIdentity[],
  options: {
    /** The chunk at which this thread waits for the worker at the latest (tests: 0, the worker does all). */
    readonly handOverBy?: number;
  } = {},
): RecyclingSource {
  const handOverBy = options.handOverBy ?? Number.POSITIVE_INFINITY;
  const spare = new MessageChannel();
  const ours = new WeakSet<Buffer>();
  return {
    async *[Symbol.asyncIterator]() {
      const handle = await fsp.open(file, 'r');
      let thread: DecryptThread | null = null;
      try {
        const opened = await openAgePayload(headReads(handle)[Symbol.asyncIterator](), identities);
        // A small file is done before a worker could load (and stopping one waits for it to load).
        const large = (await handle.stat()).size - opened.offset >= THREAD_MIN_BYTES;
        if (large || options.handOverBy !== undefined)
          thread = new DecryptThread(handle.fd, opened.offset, opened.key, spare.port2);
        const payload = new AgePayloadDecryptor(opened.key);
        const input = Buffer.allocUnsafe(START_READ_BYTES);
        const out: Buffer[] = [];
        let handOver = thread !== null;
        for (let position = opened.offset; ;) {
          if (handOver && thread !== null && (thread.ready || payload.chunksOpened >= handOverBy))
            handOver = await thread.whenReady();
          if (handOver && thread?.ready === true) {
            thread.startAt(payload.chunksOpened);
            for await (const slab of thread.slabs()) {
              ours.add(slab);
              yield slab;
            }
            return;
          }
          const { bytesRead } = await handle.read(input, 0, input.length, position);
          position += bytesRead;
          if (bytesRead === 0) payload.finish(out);
          else payload.push(input.subarray(0, bytesRead), out);
          yield* out.splice(0);
          if (bytesRead === 0) return;
        }
      } finally {
        await thread?.stop();
        spare.port1.close();
        await handle.close();
      }
    },
    release(piece) {
      if (!ours.delete(piece)) return;
      const memory = piece.buffer as ArrayBuffer;
      spare.port1.postMessage(memory, [memory]);
    },
  };
}

/** The file from its start in HEAD_READ_BYTES pieces, each a fresh buffer (the header parser keeps some). */
async function* headReads(handle: FileHandle): AsyncGenerator<Buffer> {
  for (let position = 0; ;) {
    const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(HEAD_READ_BYTES), 0, HEAD_READ_BYTES, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
