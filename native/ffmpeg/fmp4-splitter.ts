import { AevError } from '../../electron/common/errors.ts';
import { ByteQueue } from './byte-queue.ts';
import { parseInit } from './fmp4-init.ts';
import { parseMoof } from './fmp4-moof.ts';
import type { ParsedMoof } from './fmp4-moof.ts';
import type { Fmp4Part, TrackDefaults } from './fmp4-types.ts';
import { mediaError, printable, readBoxHeader } from './mp4-box.ts';

export type { Fmp4Fragment, Fmp4Init, Fmp4Part } from './fmp4-types.ts';

/** A one-second screen fragment is kilobytes; anything near this is a broken stream, not a picture. */
const DEFAULT_MAX_FRAGMENT_BYTES = 64 * 1024 * 1024;

/**
 * Boxes that describe the fragment after them (ISO/IEC 14496-12 §8.16.2 styp, §8.16.3 sidx, §8.16.4 ssix,
 * §8.16.5 prft; ISO/IEC 23009-1 emsg): seen after the moov, they open the first fragment, not the init.
 */
const FRAGMENT_PREFIX = new Set(['styp', 'sidx', 'ssix', 'prft', 'emsg']);

interface OpenFragment {
  readonly parts: Buffer[];
  length: number;
  /** Offset of the moof within the fragment bytes. */
  readonly moofAt: number;
  readonly moof: ParsedMoof;
  /** End of the last complete mdat, relative to the moof's first byte. */
  mdatEnd: number | null;
  /** Start of the first mdat's payload, relative to the moof's first byte. */
  firstPayload: number | null;
}

/**
 * Splits a fragmented MP4 byte stream (as `ffmpeg -movflags frag_keyframe+empty_moov+default_base_moof`
 * writes it to a pipe) into the init segment and whole fragments, by box headers alone. Chunks may split
 * anywhere. A fragment is handed out as soon as its mdat holds every sample byte its moof references, so
 * the last fragment needs no following box to be delivered.
 */
export class Fmp4Splitter {
  private readonly maxFragmentBytes: number;
  private readonly queue = new ByteQueue();
  /** Absolute stream offset of the first queued byte. */
  private offset = 0;
  private initParts: Buffer[] | null = [];
  private initLength = 0;
  private sawMoov = false;
  private defaults: TrackDefaults | null = null;
  private prefix: Buffer[] = [];
  private prefixLength = 0;
  private open: OpenFragment | null = null;
  private failed: AevError | null = null;

  constructor(options: { maxFragmentBytes?: number } = {}) {
    this.maxFragmentBytes = options.maxFragmentBytes ?? DEFAULT_MAX_FRAGMENT_BYTES;
  }

  /** Adds bytes and returns every init or fragment they complete. Throws E_MEDIA_FORMAT on a bad stream. */
  push(chunk: Buffer): Fmp4Part[] {
    if (this.failed !== null) throw this.failed;
    this.queue.push(chunk);
    const parts: Fmp4Part[] = [];
    try {
      for (;;) {
        const header = readBoxHeader(this.queue.peek(16), 0);
        if (header === null) break;
        if (header.size > this.maxFragmentBytes)
          throw mediaError(`box '${printable(header.type)}' of ${header.size} bytes exceeds ${this.maxFragmentBytes}`);
        if (this.queue.length < header.size) break;
        const at = this.offset;
        const box = this.queue.take(header.size);
        this.offset += header.size;
        this.onBox(header.type, box, at, parts);
      }
    } catch (error) {
      this.failed = error instanceof AevError ? error : mediaError(String(error));
      throw this.failed;
    }
    return parts;
  }

  /** The stream ended: anything left half-received is a truncated stream. */
  end(): void {
    if (this.failed !== null) throw this.failed;
    if (this.queue.length > 0)
      throw mediaError(`stream ended inside a box (${this.queue.length} bytes of it received)`);
    if (this.open !== null)
      throw mediaError(`stream ended inside fragment ${this.open.moof.sequence}: its mdat is missing or short`);
    // Left-over prefix boxes (ffmpeg's closing mfra, §8.8.9) index byte offsets of a file that never
    // exists here, so nothing of value is dropped with them.
  }

  private onBox(type: string, box: Buffer, at: number, out: Fmp4Part[]): void {
    if (this.initParts !== null) {
      if (type === 'mdat') throw mediaError('mdat before the first moof: not a fragmented MP4');
      const opensFragment = type === 'moof' || (FRAGMENT_PREFIX.has(type) && this.sawMoov);
      if (!opensFragment) {
        if (type === 'moov') this.sawMoov = true;
        this.initParts.push(box);
        this.initLength += box.length;
        if (this.initLength > this.maxFragmentBytes)
          throw mediaError(`init segment exceeds ${this.maxFragmentBytes} bytes`);
        return;
      }
      this.finishInit(out);
    }
    if (type === 'moof') {
      this.startFragment(box, at);
      return;
    }
    const open = this.open;
    if (type === 'mdat') {
      if (open === null) throw mediaError('mdat without a moof before it');
      const relative = open.length - open.moofAt;
      open.firstPayload ??= relative + (box.readUInt32BE(0) === 1 ? 16 : 8);
      this.append(open, box);
      open.mdatEnd = relative + box.length;
      this.completeIfCovered(open, out);
      return;
    }
    if (open !== null) {
      // A box between a moof and its data (none in ffmpeg's output) stays with that fragment.
      this.append(open, box);
      return;
    }
    // styp, sidx, prft (ISO/IEC 14496-12 §8.16) and any other box between fragments belong to the next one.
    this.prefix.push(box);
    this.prefixLength += box.length;
    if (this.prefixLength > this.maxFragmentBytes)
      throw mediaError(`boxes between fragments exceed ${this.maxFragmentBytes} bytes`);
  }

  private finishInit(out: Fmp4Part[]): void {
    if (this.initParts === null) return;
    const parsed = parseInit(Buffer.concat(this.initParts, this.initLength));
    this.initParts = null;
    this.defaults = parsed.defaults;
    out.push({ kind: 'init', init: parsed.init });
  }

  private startFragment(moofBox: Buffer, at: number): void {
    if (this.open !== null)
      throw mediaError(`moof arrived before fragment ${this.open.moof.sequence} had all its sample data`);
    if (this.defaults === null) throw mediaError('moof before the init segment');
    const body = moofBox.readUInt32BE(0) === 1 ? 16 : 8;
    const moof = parseMoof(moofBox, { type: 'moof', start: 0, body, end: moofBox.length }, this.defaults, at);
    const open: OpenFragment = {
      parts: this.prefix,
      length: this.prefixLength,
      moofAt: this.prefixLength,
      moof,
      mdatEnd: null,
      firstPayload: null,
    };
    this.prefix = [];
    this.prefixLength = 0;
    this.append(open, moofBox);
    this.open = open;
  }

  private append(open: OpenFragment, box: Buffer): void {
    open.parts.push(box);
    open.length += box.length;
    if (open.length > this.maxFragmentBytes)
      throw mediaError(`fragment ${open.moof.sequence} exceeds ${this.maxFragmentBytes} bytes`);
  }

  /** Hands the fragment out once complete mdats hold every sample byte its trun(s) reference. */
  private completeIfCovered(open: OpenFragment, out: Fmp4Part[]): void {
    const data = open.moof.data;
    if (open.mdatEnd === null || open.firstPayload === null) return;
    if (data !== null) {
      if (data.start < open.firstPayload)
        throw mediaError(`fragment ${open.moof.sequence} points at sample data before its mdat`);
      if (data.end > open.mdatEnd) return;
    }
    const { moof } = open;
    out.push({
      kind: 'fragment',
      fragment: {
        bytes: Buffer.concat(open.parts, open.length),
        sequence: moof.sequence,
        decodeTime: moof.decodeTime,
        duration: moof.duration,
        samples: moof.samples,
        keyframe: moof.keyframe,
      },
    });
    this.open = null;
  }
}
