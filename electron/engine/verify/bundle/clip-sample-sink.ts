import { streamedPacketDigests } from './streamed-digests.ts';
import type { PacketDigests } from './streamed-digests.ts';
import type { ContentSink } from './tar-reader.ts';
import { matchSealed } from './sample-match.ts';
import { VideoSampleReader } from './video-sample-reader.ts';
import type { VideoSamples, VideoSamplesResult } from './video-sample-reader.ts';

/** The sealed video's samples a manifest's clip names, located before the clip streams (sample-match.ts). */
export interface EarlySealedSamples {
  /** The very pieces read, in order (the decrypted video items, held); results hold only for these. */
  readonly pieces: readonly Buffer[];
  readonly result: Promise<VideoSamplesResult>;
}

/** clip.mp4's video packets as read while the archive streamed past. */
export type ClipPackets =
  /** `against`: the sealed pieces the contents were compared with (sample-match.ts); null: SHA-256s. */
  | { readonly kind: 'samples'; readonly samples: VideoSamples; readonly against: readonly Buffer[] | null }
  /** Read by ffmpeg instead (framemd5), because `unsupported`; digests null: there was no ffmpeg. */
  | { readonly kind: 'ffmpeg'; readonly unsupported: string; readonly digests: PacketDigests | null }
  /** Stopped being readable after its first REPLAY_BYTES, which alone were kept for ffmpeg. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/**
 * Copies of the clip's first bytes are kept until this many: what the in-process reader does not read
 * shows in the moov and first fragments, and then ffmpeg gets the whole stream from its start.
 */
export const REPLAY_BYTES = 16 * 1024 * 1024;

/**
 * A sink reading clip.mp4's video packets in this process as the archive is decrypted (video-sample-
 * reader.ts): each piece is read where it lies and given back (`done`) before the next is asked for.
 * With the sealed samples located first (`sealed`, settled before the first piece is read), each clip
 * sample is compared with the sealed sample's bytes; without, it is hashed. When the reader does not
 * handle the file (or the sealed side, which then goes to ffmpeg too), the stream goes to ffmpeg's
 * framemd5 instead (streamed-digests.ts), starting with copies of the bytes already read.
 */
export function streamedClipPackets(
  sealed: EarlySealedSamples | null,
  ffmpeg: () => Promise<string | null>,
): { readonly sink: ContentSink; readonly result: Promise<ClipPackets> } {
  let settle: (r: ClipPackets) => void = () => undefined;
  const result = new Promise<ClipPackets>((resolve) => {
    settle = resolve;
  });
  let reader: VideoSampleReader | null = new VideoSampleReader();
  let against: readonly Buffer[] | null = null;
  let replay: Buffer[] | null = [];
  let replayBytes = 0;
  let ff: ContentSink | null = null;
  let first: Promise<void> | null = null;
  const toFfmpeg = (unsupported: string): ContentSink => {
    const digests = streamedPacketDigests(ffmpeg());
    const started = digests.result.catch((error: unknown): PacketDigests => ({
      ok: false,
      reason: `ffmpeg did not start (${error instanceof Error ? error.message : String(error)})`,
    }));
    void started.then((d) => {
      settle({ kind: 'ffmpeg', unsupported, digests: d });
    });
    reader = null;
    ff = digests.sink;
    return digests.sink;
  };
  /** The stream so far, from copies, then whatever comes next goes to ffmpeg. */
  const replayTo = async (sink: ContentSink): Promise<void> => {
    const kept = replay ?? [];
    replay = null;
    for (const piece of kept) await sink.write(piece);
  };
  const sink: ContentSink = {
    async write(chunk, done = () => undefined) {
      first ??= (async () => {
        const located = sealed === null ? null : await sealed.result;
        if (located === null || sealed === null) return;
        if (!located.ok) toFfmpeg(`the sealed video is read by ffmpeg (${located.unsupported})`);
        else {
          reader = new VideoSampleReader({ content: matchSealed(located, sealed.pieces) });
          against = sealed.pieces;
        }
      })();
      await first;
      if (ff !== null) return ff.write(chunk, done);
      const r = reader;
      if (r === null) {
        done();
        return;
      }
      r.push(chunk);
      const unsupported = r.unsupported;
      if (unsupported === null) {
        if (replay !== null && replayBytes + chunk.length <= REPLAY_BYTES) {
          replay.push(Buffer.from(chunk));
          replayBytes += chunk.length;
        } else replay = null;
        done();
        return;
      }
      if (replay === null) {
        reader = null;
        settle({ kind: 'unreadable', reason: unsupported });
        done();
        return;
      }
      const to = toFfmpeg(unsupported);
      await replayTo(to);
      await to.write(chunk, done);
    },
    end() {
      if (ff !== null) {
        ff.end();
        return;
      }
      const r = reader;
      if (r === null) return;
      const read = r.end();
      if (read.ok) settle({ kind: 'samples', samples: read, against });
      else if (replay === null) settle({ kind: 'unreadable', reason: read.unsupported });
      else {
        const to = toFfmpeg(read.unsupported);
        void replayTo(to).then(() => {
          to.end();
        });
      }
    },
    abort(reason) {
      // The archive was refused: the result is never used, it only has to settle.
      if (ff !== null) ff.abort(reason);
      else settle({ kind: 'unreadable', reason: reason.message });
    },
  };
  return { sink, result };
}
