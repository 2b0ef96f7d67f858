// The bundle's writer thread (see bundle-writer-thread.ts for why): age STREAM encryption of the archive
// blocks the engine thread transfers, and the file writes, in arrival order, onto the descriptor the
// engine thread opened. A failure is reported once, with its errno code, and nothing more is written.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { assertNever } from '../../common/errors.ts';
import { AgePayloadEncryptor } from '../age/age-stream.ts';
import { freeBuffer } from '../runtime/free-buffer.ts';
import type { WriterReply, WriterRequest, WriterWorkerData } from './bundle-writer-thread.ts';

/**
 * Every this many bytes a datasync is started beside the writes (never in their way), so the disk writes
 * back during the export instead of all at the final fsync; also bounds the dirty pages one export holds.
 */
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

const port = parentPort;
if (port === null) throw new Error('bundle-writer-worker runs as a worker thread');
const { fd, blocks, blockBytes, prefix, payloadKey } = workerData as WriterWorkerData;
const payload = payloadKey === null ? null : new AgePayloadEncryptor(payloadKey);
let unsynced = 0;
/** The background datasync, if one runs; at most one at a time. Its failure fails the close. */
let syncing: Promise<void> | null = null;
let failed = false;

/** Writes every byte of `pieces` (writev may write less than asked: the rest is written again). */
function writeAll(pieces: Uint8Array[]): void {
  let rest = pieces.filter((p) => p.length > 0);
  while (rest.length > 0) {
    let n = fs.writevSync(fd, rest);
    unsynced += n;
    while (n > 0 && rest.length > 0) {
      const first = rest[0] as Uint8Array;
      if (n >= first.length) {
        n -= first.length;
        rest = rest.slice(1);
      } else {
        rest = [first.subarray(n), ...rest.slice(1)];
        n = 0;
      }
    }
  }
  if (unsynced >= SYNC_EVERY_BYTES && syncing === null) {
    unsynced = 0;
    const sync = new Promise<void>((resolve, reject) => {
      fs.fdatasync(fd, (error) => {
        if (error === null) resolve();
        else reject(error);
      });
    });
    syncing = sync;
    sync.then(
      () => {
        if (syncing === sync) syncing = null;
      },
      () => undefined, // kept in `syncing`: the close rethrows it
    );
  }
}

function reply(message: WriterReply): void {
  port?.postMessage(message);
}

async function handle(request: WriterRequest): Promise<void> {
  switch (request.type) {
    case 'block': {
      const plain = new Uint8Array(blocks, request.block * blockBytes, request.length);
      if (payload === null) {
        writeAll([plain]);
        reply({ type: 'free', block: request.block });
        return;
      }
      const sealed: Buffer[] = [];
      // Every chunk but the held last one is sealed straight from the block, the held one copied, so
      // the block goes back before the ciphertext is written.
      payload.push(plain, sealed);
      reply({ type: 'free', block: request.block });
      writeAll(sealed);
      for (const piece of sealed) freeBuffer(piece);
      return;
    }
    case 'finish': {
      const sealed: Buffer[] = [];
      payload?.finish(sealed);
      writeAll(sealed);
      await syncing;
      fs.fsyncSync(fd);
      reply({ type: 'closed' });
      return;
    }
    default:
      assertNever(request, 'writer request');
  }
}

let queue: Promise<void> = Promise.resolve();

/** Runs `work` after everything before it, unless something failed; a failure is reported once. */
function inTurn(work: () => Promise<void> | void): void {
  queue = queue.then(async () => {
    if (failed) return;
    try {
      await work();
    } catch (error) {
      failed = true;
      const e = error as NodeJS.ErrnoException;
      reply({ type: 'failed', code: typeof e.code === 'string' ? e.code : null, message: e.message });
    }
  });
}

// The file starts with the age header and payload nonce (nothing, for --plain); then the blocks, in order.
inTurn(() => {
  writeAll([prefix]);
});
port.on('message', (request: WriterRequest) => {
  inTurn(() => handle(request));
});
