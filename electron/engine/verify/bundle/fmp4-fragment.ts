import {
  TFHD_BASE_DATA_OFFSET,
  TFHD_SAMPLE_DESCRIPTION_INDEX,
  TFHD_DEFAULT_DURATION,
  TFHD_DEFAULT_SIZE,
  TFHD_DEFAULT_FLAGS,
  TFHD_DEFAULT_BASE_IS_MOOF,
  TRUN_DATA_OFFSET,
  TRUN_FIRST_SAMPLE_FLAGS,
  TRUN_SAMPLE_DURATION,
  TRUN_SAMPLE_SIZE,
  TRUN_SAMPLE_FLAGS,
  TRUN_SAMPLE_CTO,
} from '../../../../native/ffmpeg/fmp4-flags.ts';
import { BoxReader, childBoxes, findChild } from '../../../../native/ffmpeg/mp4-box.ts';
import type { ChildBox } from '../../../../native/ffmpeg/mp4-box.ts';
import { UnsupportedMp4 } from './fmp4-movie.ts';
import type { Movie } from './fmp4-movie.ts';

const TFHD_KNOWN =
  TFHD_BASE_DATA_OFFSET |
  TFHD_SAMPLE_DESCRIPTION_INDEX |
  TFHD_DEFAULT_DURATION |
  TFHD_DEFAULT_SIZE |
  TFHD_DEFAULT_FLAGS |
  TFHD_DEFAULT_BASE_IS_MOOF;
const TRUN_KNOWN =
  TRUN_DATA_OFFSET |
  TRUN_FIRST_SAMPLE_FLAGS |
  TRUN_SAMPLE_DURATION |
  TRUN_SAMPLE_SIZE |
  TRUN_SAMPLE_FLAGS |
  TRUN_SAMPLE_CTO;

/** The video samples one moof describes, in decode order; offsets are absolute stream offsets. */
export interface FragmentSamples {
  readonly offset: number[];
  readonly size: number[];
  /** Decode and presentation times and durations in the video timescale, after the edit list's shift. */
  readonly dts: number[];
  readonly pts: number[];
  readonly duration: number[];
  /** The decode time after the last sample (the next fragment's, when it has no tfdt). */
  readonly nextDts: number;
}

/**
 * Reads one moof box (`bytes` holds exactly that box, found at stream offset `at`) for the video track.
 * Base data offsets follow §8.8.7.1 the way ffmpeg's mov demuxer does (explicit, the moof with
 * default-base-is-moof, else the end of the previous run's data, the moof itself for the first); a run
 * without data_offset is taken only as a traf's first run, where §8.8.8.1 and ffmpeg agree. The video's
 * samples must lie after the moof, in decode order, without overlapping. `maxSamples` bounds what a few
 * bytes of trun may declare. Throws UnsupportedMp4 for anything else.
 */
export function parseFragment(
  bytes: Buffer,
  at: number,
  movie: Movie,
  previousDts: number,
  maxSamples: number,
): FragmentSamples {
  const out = { offset: [] as number[], size: [] as number[], dts: [] as number[], pts: [] as number[] };
  const duration: number[] = [];
  const moofEnd = at + bytes.length;
  let implicit = at;
  let nextDts = previousDts;
  for (const traf of childBoxes(bytes, 8, bytes.length).filter((b) => b.type === 'traf')) {
    const tfhd = readTfhd(bytes, traf, movie);
    const base = tfhd.baseDataOffset ?? ((tfhd.flags & TFHD_DEFAULT_BASE_IS_MOOF) !== 0 ? at : implicit);
    const video = tfhd.trackId === movie.videoTrackId;
    if (video) nextDts = readTfdt(bytes, traf, movie) ?? nextDts;
    const runs = childBoxes(bytes, traf.body, traf.end).filter((b) => b.type === 'trun');
    for (const [i, trun] of runs.entries()) {
      const r = new BoxReader(bytes, trun);
      const { flags } = r.fullBox();
      if ((flags & ~TRUN_KNOWN) !== 0) throw new UnsupportedMp4(`trun flags 0x${flags.toString(16)}`);
      const count = r.u32();
      if (out.size.length + count > maxSamples) throw new UnsupportedMp4(`more than ${maxSamples} samples`);
      if ((flags & TRUN_DATA_OFFSET) === 0 && i > 0)
        throw new UnsupportedMp4('a second trun of a traf without data_offset');
      // data_offset is a signed int(32) from the base data offset.
      let offset = base + ((flags & TRUN_DATA_OFFSET) !== 0 ? r.u32() | 0 : 0);
      if (flags & TRUN_FIRST_SAMPLE_FLAGS) r.skip(4);
      for (let s = 0; s < count; s++) {
        const d = flags & TRUN_SAMPLE_DURATION ? r.u32() : tfhd.sampleDuration;
        const size = flags & TRUN_SAMPLE_SIZE ? r.u32() : tfhd.sampleSize;
        if (flags & TRUN_SAMPLE_FLAGS) r.skip(4);
        const cto = flags & TRUN_SAMPLE_CTO ? compositionOffset(r) : 0;
        if (video) {
          const last = out.offset.length - 1;
          if (offset < moofEnd) throw new UnsupportedMp4('sample data lies before its moof ends');
          if (last >= 0 && offset < (out.offset[last] ?? 0) + (out.size[last] ?? 0))
            throw new UnsupportedMp4('samples overlap or are not in decode order in the file');
          out.offset.push(offset);
          out.size.push(size);
          out.dts.push(nextDts - movie.shift);
          out.pts.push(nextDts - movie.shift + cto);
          duration.push(d);
          nextDts += d;
          if (!Number.isSafeInteger(nextDts)) throw new UnsupportedMp4('decode times beyond what is exact');
        }
        offset += size;
      }
      implicit = offset;
    }
  }
  return { ...out, duration, nextDts };
}

interface Tfhd {
  readonly trackId: number;
  readonly flags: number;
  readonly baseDataOffset: number | null;
  readonly sampleDuration: number;
  readonly sampleSize: number;
}

function readTfhd(bytes: Buffer, traf: ChildBox, movie: Movie): Tfhd {
  const box = findChild(bytes, traf, 'tfhd');
  if (box === undefined) throw new UnsupportedMp4('a traf has no tfhd');
  const r = new BoxReader(bytes, box);
  const { flags } = r.fullBox();
  // duration-is-empty (0x010000) and anything newer: not what a recording or its remux writes.
  if ((flags & ~TFHD_KNOWN) !== 0) throw new UnsupportedMp4(`tfhd flags 0x${flags.toString(16)}`);
  const trackId = r.u32();
  const defaults = movie.tracks.get(trackId);
  if (defaults === undefined) throw new UnsupportedMp4(`a traf names track ${trackId}, which has no trex`);
  const baseDataOffset = flags & TFHD_BASE_DATA_OFFSET ? r.u64() : null;
  if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) r.skip(4);
  const sampleDuration = flags & TFHD_DEFAULT_DURATION ? r.u32() : defaults.sampleDuration;
  const sampleSize = flags & TFHD_DEFAULT_SIZE ? r.u32() : defaults.sampleSize;
  return { trackId, flags, baseDataOffset, sampleDuration, sampleSize };
}

/** tfdt (§8.8.12), in version 1 a 64-bit baseMediaDecodeTime; absent, decode time runs on (ffmpeg's track_end). */
function readTfdt(bytes: Buffer, traf: ChildBox, movie: Movie): number | null {
  const box = findChild(bytes, traf, 'tfdt');
  if (box === undefined) return null;
  const r = new BoxReader(bytes, box);
  const { version } = r.fullBox();
  const time = version === 1 ? r.u64() : r.u32();
  if (!Number.isSafeInteger(time - movie.shift)) throw new UnsupportedMp4('decode times beyond what is exact');
  return time;
}

/**
 * sample_composition_time_offset: unsigned in version 0, signed in version 1 (§8.8.8.2). ffmpeg reads
 * both as signed 32-bit, and a negative offset makes its demuxer shift presentation times by the most
 * negative offset seen so far (a stream-wide, moving shift): either way, unsupported here.
 */
function compositionOffset(r: BoxReader): number {
  const raw = r.u32();
  if (raw >= 0x80000000) throw new UnsupportedMp4('a negative composition time offset');
  return raw;
}
