import { createHash } from 'node:crypto';
import { printable, readBoxHeader } from '../../../../native/ffmpeg/mp4-box.ts';
import { parseFragment } from './fmp4-fragment.ts';
import type { FragmentSamples } from './fmp4-fragment.ts';
import { parseMovie, UnsupportedMp4 } from './fmp4-movie.ts';
import type { Movie } from './fmp4-movie.ts';

/** The first video track's samples of a fragmented MP4, in decode order (parallel arrays). */
export interface VideoSamples {
  readonly ok: true;
  /** Ticks per second of every time below: each is an exact rational, ticks / timescale seconds. */
  readonly timescale: number;
  /** After the edit list's shift, as ffmpeg's mov demuxer applies it. */
  readonly dts: readonly number[];
  readonly pts: readonly number[];
  readonly duration: readonly number[];
  readonly size: readonly number[];
  /** What stands for each sample's bytes: its SHA-256, or what the reader's `content` option gave. */
  readonly content: readonly Buffer[];
  /** Each sample's stream offset (kept with the `offsets` option; else empty). */
  readonly offset: readonly number[];
  readonly fragments: number;
}

/** Takes a sample's bytes in order as they pass; `digest` once they all did. */
export interface SampleContent {
  update(bytes: Buffer): void;
  digest(): Buffer;
}

export interface VideoSampleReaderOptions {
  /** What stands for sample `index`'s bytes (default: their SHA-256). */
  readonly content?: (index: number) => SampleContent;
  /** Keep each sample's stream offset (to find its bytes again in held pieces). */
  readonly offsets?: boolean;
}

export type VideoSamplesResult = VideoSamples | { readonly ok: false; readonly unsupported: string };

/** moov and moof are held whole to be parsed; a recording's are kilobytes. */
export const MAX_HEADER_BOX_BYTES = 16 * 1024 * 1024;
/** Samples listed at most: over nine hours at 30 fps, and a bound on the lists' memory (~70 bytes each). */
export const MAX_SAMPLES = 1_000_000;

/**
 * Reads a fragmented MP4 (ISO/IEC 14496-12) as it streams past, in pieces of any size: top-level boxes
 * one after another, the moov and each moof held whole (bounded) and parsed, everything else (mdat)
 * only passed over, hashing the video samples' bytes as they go by. Memory stays bounded by the sample
 * lists. Never throws: anything it does not read (see fmp4-movie.ts, fmp4-fragment.ts) makes the result
 * `unsupported`, for the caller to read the file another way.
 */
export class VideoSampleReader {
  /** Stream offset of the next byte pushed. */
  #at = 0;
  /** The header of the next top-level box, while it is incomplete. */
  #header = Buffer.alloc(0);
  #box: { type: string; end: number; held: Buffer | null; filled: number } | null = null;
  #movie: Movie | null = null;
  #failed: string | null = null;
  #nextDts = 0;
  #fragments = 0;
  readonly #dts: number[] = [];
  readonly #pts: number[] = [];
  readonly #duration: number[] = [];
  readonly #size: number[] = [];
  readonly #content: Buffer[] = [];
  readonly #offset: number[] = [];
  readonly #newContent: (index: number) => SampleContent;
  readonly #keepOffsets: boolean;
  /** The last moof's samples still to hash: stream offsets and sizes, from index #next on. */
  #pending: FragmentSamples | null = null;
  #next = 0;
  #current: SampleContent | null = null;

  constructor(options: VideoSampleReaderOptions = {}) {
    this.#newContent = options.content ?? (() => createHash('sha256'));
    this.#keepOffsets = options.offsets === true;
  }

  /** Why the stream is not read, once it is not. */
  get unsupported(): string | null {
    return this.#failed;
  }

  push(chunk: Buffer): void {
    if (this.#failed !== null || chunk.length === 0) return;
    try {
      let i = 0;
      while (i < chunk.length) {
        const from = this.#at;
        const n = this.#take(chunk.subarray(i));
        // After the box structure saw them: bytes right after a moof belong to the samples it lists.
        this.#feedSamples(chunk.subarray(i, i + n), from);
        i += n;
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  end(): VideoSamplesResult {
    if (this.#failed === null) {
      if (this.#box !== null || this.#header.length > 0)
        this.#failed = `truncated: the stream ends inside a '${printable(this.#box?.type ?? '????')}' box`;
      else if (this.#movie === null) this.#failed = 'no moov box';
      else if (this.#pending !== null && this.#next < this.#pending.offset.length)
        this.#failed = `truncated: ${this.#pending.offset.length - this.#next} samples' bytes are missing`;
    }
    if (this.#failed !== null) return { ok: false, unsupported: this.#failed };
    return {
      ok: true,
      timescale: this.#movie?.timescale ?? 1,
      dts: this.#dts,
      pts: this.#pts,
      duration: this.#duration,
      size: this.#size,
      content: this.#content,
      offset: this.#offset,
      fragments: this.#fragments,
    };
  }

  /** Consumes the start of `bytes` as box structure; returns how many bytes it used (at least one). */
  #take(bytes: Buffer): number {
    const box = this.#box;
    if (box === null) return this.#takeHeader(bytes);
    const n = Math.min(bytes.length, box.end - this.#at);
    if (box.held !== null) {
      bytes.copy(box.held, box.filled, 0, n);
      box.filled += n;
    }
    this.#at += n;
    if (this.#at === box.end) {
      this.#box = null;
      if (box.held !== null) this.#parse(box.type, box.held, box.end - box.held.length);
    }
    return n;
  }

  #takeHeader(bytes: Buffer): number {
    const had = this.#header.length;
    const header = Buffer.concat([this.#header, bytes.subarray(0, 16 - had)]);
    const h = readBoxHeader(header, 0);
    if (h === null) {
      this.#header = header;
      this.#at += header.length - had;
      return header.length - had;
    }
    const used = h.headerSize - had;
    const start = this.#at - had;
    this.#header = Buffer.alloc(0);
    this.#at += used;
    const held = h.type === 'moov' || h.type === 'moof';
    if (held) {
      if (h.size > MAX_HEADER_BOX_BYTES)
        throw new UnsupportedMp4(`a '${h.type}' box of ${h.size} bytes (at most ${MAX_HEADER_BOX_BYTES} are read)`);
      if (h.type === 'moof' && this.#pending !== null && this.#next < this.#pending.offset.length)
        throw new UnsupportedMp4('a moof starts before the previous fragment’s samples were all seen');
    }
    if (h.type === 'mdat' && this.#fragments === 0) throw new UnsupportedMp4('an mdat before the first moof');
    const box = { type: h.type, end: start + h.size, held: held ? Buffer.allocUnsafe(h.size) : null, filled: 0 };
    if (box.held !== null) box.filled = header.copy(box.held, 0, 0, h.headerSize);
    this.#box = box;
    if (this.#at === box.end) this.#take(Buffer.alloc(0));
    return used;
  }

  #parse(type: string, bytes: Buffer, at: number): void {
    if (type === 'moov') {
      if (this.#movie !== null) throw new UnsupportedMp4('a second moov box');
      this.#movie = parseMovie(bytes);
      return;
    }
    if (this.#movie === null) throw new UnsupportedMp4('a moof before the moov');
    const f = parseFragment(bytes, at, this.#movie, this.#nextDts, MAX_SAMPLES - this.#dts.length);
    this.#fragments += 1;
    this.#nextDts = f.nextDts;
    for (let i = 0; i < f.dts.length; i++) {
      this.#dts.push(f.dts[i] ?? 0);
      this.#pts.push(f.pts[i] ?? 0);
      this.#duration.push(f.duration[i] ?? 0);
      this.#size.push(f.size[i] ?? 0);
      if (this.#keepOffsets) this.#offset.push(f.offset[i] ?? 0);
    }
    this.#pending = f;
    this.#next = 0;
  }

  /**
   * Hashes the parts of `chunk` (at stream offset `from`) that belong to pending samples. Every byte of
   * the stream passes here; a moof's samples lie after it, so its own bytes never belong to them.
   */
  #feedSamples(chunk: Buffer, from: number): void {
    const p = this.#pending;
    if (p === null) return;
    const to = from + chunk.length;
    while (this.#next < p.offset.length) {
      const start = p.offset[this.#next] ?? 0;
      const end = start + (p.size[this.#next] ?? 0);
      if (start >= to) return;
      const a = Math.max(start, from);
      const b = Math.min(end, to);
      const current = (this.#current ??= this.#newContent(this.#content.length));
      if (b > a) current.update(chunk.subarray(a - from, b - from));
      if (end > to) return;
      this.#content.push(current.digest());
      this.#current = null;
      this.#next += 1;
    }
  }

  #fail(error: unknown): void {
    this.#failed =
      error instanceof UnsupportedMp4
        ? error.message
        : error instanceof Error
          ? error.message.replace(/^malformed fragmented MP4: /, '')
          : String(error);
    this.#pending = null;
    this.#box = null;
  }
}

/**
 * The samples of an MP4 held as pieces (the sealed init segment and fragments), read a few MB at a time
 * so other work on this thread (the archive's reading) goes on in between.
 */
export async function readVideoSamples(
  pieces: readonly Buffer[],
  options: VideoSampleReaderOptions = {},
): Promise<VideoSamplesResult> {
  const reader = new VideoSampleReader(options);
  let since = 0;
  for (const piece of pieces) {
    reader.push(piece);
    since += piece.length;
    if (since >= YIELD_BYTES) {
      since = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return reader.end();
}

const YIELD_BYTES = 4 * 1024 * 1024;
