import { BoxReader, childBoxes, findChild, handlerType } from '../../../../native/ffmpeg/mp4-box.ts';
import type { ChildBox } from '../../../../native/ffmpeg/mp4-box.ts';

/**
 * A structure the in-process packet reader does not handle (the caller falls back to ffmpeg): never a
 * verdict on the file, only "read it another way".
 */
export class UnsupportedMp4 extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMp4';
  }
}

/** trex defaults of one track (ISO/IEC 14496-12 §8.8.3), which its trafs fall back to. */
export interface TrackDefaults {
  readonly sampleDuration: number;
  readonly sampleSize: number;
}

/** What the fragments of a movie need from its moov. */
export interface Movie {
  /** track_ID of the first track whose handler is 'vide' (§8.4.3): the one ffmpeg maps as `0:v:0`. */
  readonly videoTrackId: number;
  /** Its media timescale (mdhd, §8.4.2): ticks per second. */
  readonly timescale: number;
  /**
   * Ticks subtracted from every decode time, as ffmpeg's mov demuxer applies the edit list to fragments
   * (mov.c: time_offset = the edit's media_time minus a leading empty edit's duration, rescaled).
   */
  readonly shift: number;
  /** trex defaults of every track, by track_ID: any traf may lie before the video's in a moof. */
  readonly tracks: ReadonlyMap<number, TrackDefaults>;
}

/** Reads a whole moov box (`bytes` holds exactly that box). Throws UnsupportedMp4 for anything else. */
export function parseMovie(bytes: Buffer): Movie {
  const moov: ChildBox = { type: 'moov', start: 0, body: 8, end: bytes.length };
  const children = childBoxes(bytes, moov.body, moov.end);
  const mvhd = children.find((b) => b.type === 'mvhd');
  if (mvhd === undefined) throw new UnsupportedMp4('moov has no mvhd');
  const movieTimescale = readTimescale(bytes, mvhd);
  const video = children.find((b) => b.type === 'trak' && handlerType(bytes, b) === 'vide');
  if (video === undefined) throw new UnsupportedMp4('moov has no video track');
  const trackId = readTrackId(bytes, need(bytes, video, 'tkhd'));
  const mdia = need(bytes, video, 'mdia');
  const timescale = readTimescale(bytes, need(bytes, mdia, 'mdhd'));
  if (timescale === 0) throw new UnsupportedMp4('the video track has timescale 0');
  requireNoSamples(bytes, need(bytes, need(bytes, mdia, 'minf'), 'stbl'));
  const edts = findChild(bytes, video, 'edts');
  const elst = edts === undefined ? undefined : findChild(bytes, edts, 'elst');
  const shift = elst === undefined ? 0 : editShift(bytes, elst, timescale, movieTimescale);
  const mvex = children.find((b) => b.type === 'mvex');
  if (mvex === undefined) throw new UnsupportedMp4('moov has no mvex: not a fragmented MP4');
  const tracks = new Map<number, TrackDefaults>();
  for (const trex of childBoxes(bytes, mvex.body, mvex.end).filter((b) => b.type === 'trex')) {
    const r = new BoxReader(bytes, trex);
    r.fullBox();
    const id = r.u32();
    r.skip(4); // default_sample_description_index
    tracks.set(id, { sampleDuration: r.u32(), sampleSize: r.u32() });
  }
  if (!tracks.has(trackId)) throw new UnsupportedMp4(`mvex has no trex for video track ${trackId}`);
  return { videoTrackId: trackId, timescale, shift, tracks };
}

function need(bytes: Buffer, parent: ChildBox, type: string): ChildBox {
  const child = findChild(bytes, parent, type);
  if (child === undefined) throw new UnsupportedMp4(`'${parent.type}' has no '${type}'`);
  return child;
}

/** tkhd (§8.3.2): version 1 widens the two times before track_ID to 64 bits. */
function readTrackId(bytes: Buffer, tkhd: ChildBox): number {
  const r = new BoxReader(bytes, tkhd);
  const { version } = r.fullBox();
  r.skip(version === 1 ? 16 : 8);
  return r.u32();
}

/** mvhd (§8.2.2) and mdhd (§8.4.2) both carry the timescale after two times (64-bit in version 1). */
function readTimescale(bytes: Buffer, box: ChildBox): number {
  const r = new BoxReader(bytes, box);
  const { version } = r.fullBox();
  r.skip(version === 1 ? 16 : 8);
  return r.u32();
}

/**
 * A fragmented file's moov describes no samples (§8.8.1: they are all in movie fragments); samples in
 * stbl mean a plain MP4, whose sample tables this reader does not follow.
 */
function requireNoSamples(bytes: Buffer, stbl: ChildBox): void {
  const stsz = findChild(bytes, stbl, 'stsz');
  const stz2 = findChild(bytes, stbl, 'stz2');
  if (stsz === undefined && stz2 === undefined) throw new UnsupportedMp4('the video track has no sample size box');
  for (const box of [stsz, stz2]) {
    if (box === undefined) continue;
    const r = new BoxReader(bytes, box);
    r.fullBox();
    r.skip(4); // stsz: sample_size; stz2: reserved and field_size (§8.7.3)
    if (r.u32() !== 0) throw new UnsupportedMp4('the moov holds samples: not a fragmented MP4');
  }
}

/**
 * The edit list (§8.6.6) as ffmpeg's mov demuxer applies it to fragments (mov_read_elst, mov_build_index):
 * an optional leading empty edit (media_time -1, its duration in the movie timescale) and then one edit
 * at rate 1 starting at media_time; decode times are shifted by media_time minus the empty duration
 * (rescaled to the media timescale, rounded to nearest as av_rescale does). Anything else is unsupported.
 */
function editShift(bytes: Buffer, elst: ChildBox, timescale: number, movieTimescale: number): number {
  const r = new BoxReader(bytes, elst);
  const { version } = r.fullBox();
  const count = r.u32();
  if (count > 2) throw new UnsupportedMp4(`the video track's edit list has ${count} entries`);
  const edits: { duration: bigint; time: bigint }[] = [];
  for (let i = 0; i < count; i++) {
    const duration = version === 1 ? bigU64(r) : BigInt(r.u32());
    const time = version === 1 ? BigInt.asIntN(64, bigU64(r)) : BigInt(r.u32() | 0);
    const rate = r.u32(); // media_rate_integer and media_rate_fraction, 16 bits each
    if (rate !== 0x00010000) throw new UnsupportedMp4('the video track plays at a rate other than 1');
    edits.push({ duration, time });
  }
  let empty = 0n;
  let start = 0n;
  const [first, second] = edits;
  if (first !== undefined && first.time === -1n) {
    if (second === undefined || second.time < 0n)
      throw new UnsupportedMp4('the edit list has an empty edit but no media edit after it');
    empty = first.duration;
    start = second.time;
  } else if (first !== undefined) {
    if (second !== undefined || first.time < 0n)
      throw new UnsupportedMp4('the edit list is not one edit (after an optional empty one)');
    start = first.time;
  }
  if (empty > 0n && movieTimescale === 0) throw new UnsupportedMp4('mvhd timescale is 0');
  const scaledEmpty =
    empty === 0n ? 0n : (empty * BigInt(timescale) + BigInt(movieTimescale) / 2n) / BigInt(movieTimescale);
  const shift = start - scaledEmpty;
  if (shift > BigInt(Number.MAX_SAFE_INTEGER) || shift < -BigInt(Number.MAX_SAFE_INTEGER))
    throw new UnsupportedMp4('the edit list shifts time beyond what is exact');
  return Number(shift);
}

function bigU64(r: BoxReader): bigint {
  const high = r.u32();
  return (BigInt(high) << 32n) | BigInt(r.u32());
}
