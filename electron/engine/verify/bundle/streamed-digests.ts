import type { videoPacketDigests } from '../../export/clip-remux.ts';
import { framemd5OfLentPieces } from './framemd5-stream.ts';
import type { LentPiece } from './framemd5-stream.ts';
import type { ContentSink } from './tar-reader.ts';

export type PacketDigests = Awaited<ReturnType<typeof videoPacketDigests>>;

/** The sink waits for ffmpeg to take its pieces once this many bytes are queued. */
const QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * ffmpeg's packet digests of an archive entry computed while the archive is read: the sink hands each
 * piece of content to ffmpeg's stdin as it is decrypted, so the separate process works beside the
 * decryption instead of after it, and the entry is never held whole in memory. The result is only
 * trusted once the archive was read completely (an aborted sink makes ffmpeg fail, never pass). Pieces
 * wait in a bounded queue while ffmpeg is being looked for; each is given back to the reader (its `done`)
 * once ffmpeg's pipe has taken it or it was dropped, so decrypted memory is reused while ffmpeg works.
 */
export function streamedPacketDigests(ffmpeg: Promise<string | null>): {
  readonly sink: ContentSink;
  /** null when there is no ffmpeg (the pieces were dropped). */
  readonly result: Promise<PacketDigests | null>;
} {
  const queue: LentPiece[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | null = null;
  /** Set once ffmpeg's feeder stopped asking (it exited or refused the input): pieces are dropped. */
  let closed = false;
  let wake: (() => void) | null = null;
  let drained: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  const drop = (): void => {
    for (const p of queue.splice(0)) p.done();
    queued = 0;
  };
  async function* pieces(): AsyncGenerator<LentPiece> {
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          queued -= next.piece.length;
          if (queued < QUEUE_BYTES) {
            drained?.();
            drained = null;
          }
          yield next;
          continue;
        }
        if (failure !== null) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      closed = true;
      drop();
      drained?.();
      drained = null;
    }
  }
  const result = ffmpeg.then((path) => {
    if (path !== null) return framemd5OfLentPieces(path, pieces());
    closed = true;
    drop();
    drained?.();
    return null;
  });
  // Awaited by the clip check; until then a failure (ffmpeg not starting) must not count as unhandled.
  result.catch(() => undefined);
  const sink: ContentSink = {
    async write(chunk, done = () => undefined) {
      if (closed || ended || failure !== null) {
        done();
        return;
      }
      queue.push({ piece: chunk, done });
      queued += chunk.length;
      notify();
      if (queued >= QUEUE_BYTES)
        await new Promise<void>((resolve) => {
          drained = resolve;
        });
    },
    end() {
      ended = true;
      notify();
    },
    abort(reason) {
      failure = reason;
      notify();
    },
  };
  return { sink, result };
}
