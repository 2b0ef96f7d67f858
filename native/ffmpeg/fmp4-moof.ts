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
} from './fmp4-flags.ts';
import type { TrackDefaults } from './fmp4-types.ts';
import { BoxReader, childBoxes, findChild, mediaError, requireChild } from './mp4-box.ts';
import type { ChildBox } from './mp4-box.ts';

/** sample_is_non_sync_sample in the sample flags word (§8.8.3.1). */
const SAMPLE_IS_NON_SYNC = 0x00010000;

export interface ParsedMoof {
  readonly sequence: number;
  readonly decodeTime: number;
  readonly duration: number;
  readonly samples: number;
  readonly keyframe: boolean;
  /**
   * The byte range the video track's samples occupy, relative to the first byte of the moof, when it can
   * be worked out (explicit or moof-relative base data offset); null otherwise.
   */
  readonly data: { readonly start: number; readonly end: number } | null;
}

/**
 * Reads one moof (§8.8.4) for the video track: mfhd sequence number, tfdt decode time, and the track
 * run(s) for sample count, durations, the first sample's sync flag and where the sample bytes lie.
 * `moofStreamOffset` turns an absolute tfhd base_data_offset into a moof-relative one.
 */
export function parseMoof(
  bytes: Buffer,
  moof: ChildBox,
  defaults: TrackDefaults,
  moofStreamOffset: number,
): ParsedMoof {
  const mfhd = new BoxReader(bytes, requireChild(bytes, moof, 'mfhd'));
  mfhd.fullBox();
  const sequence = mfhd.u32();
  const trafs = childBoxes(bytes, moof.body, moof.end).filter((b) => b.type === 'traf');
  const index = trafs.findIndex((t) => readTfhd(bytes, t, defaults).trackId === defaults.trackId);
  const traf = trafs[index];
  if (traf === undefined) throw mediaError(`moof ${sequence} has no traf for video track ${defaults.trackId}`);
  const tfhd = readTfhd(bytes, traf, defaults);
  const decodeTime = readTfdt(bytes, traf, sequence);
  // §8.8.7.1: with neither base-data-offset nor default-base-is-moof, the first traf's base is the moof's
  // first byte; a later traf's base is the end of the previous traf's data, which we do not track.
  let base: number | null;
  if (tfhd.baseDataOffset !== null) base = tfhd.baseDataOffset - moofStreamOffset;
  else base = tfhd.baseIsMoof || index === 0 ? 0 : null;

  let samples = 0;
  let duration = 0;
  let keyframe: boolean | null = null;
  let next = base;
  let start: number | null = null;
  let end: number | null = null;
  for (const trun of childBoxes(bytes, traf.body, traf.end).filter((b) => b.type === 'trun')) {
    const run = readTrun(bytes, trun, tfhd);
    if (run.count === 0) continue;
    keyframe ??= (run.firstFlags & SAMPLE_IS_NON_SYNC) === 0;
    samples += run.count;
    duration += run.duration;
    // §8.8.8.1: without data_offset a run starts right after the previous run (or at the base).
    const runStart = base === null ? null : run.dataOffset !== null ? base + run.dataOffset : next;
    next = runStart === null ? null : runStart + run.size;
    if (runStart !== null && next !== null) {
      start = start === null ? runStart : Math.min(start, runStart);
      end = end === null ? next : Math.max(end, next);
    }
  }
  if (samples === 0) throw mediaError(`moof ${sequence} has no samples for the video track`);
  return {
    sequence,
    decodeTime,
    duration,
    samples,
    keyframe: keyframe ?? false,
    data: start !== null && end !== null ? { start, end } : null,
  };
}

interface Tfhd {
  readonly trackId: number;
  readonly baseDataOffset: number | null;
  readonly baseIsMoof: boolean;
  readonly sampleDuration: number;
  readonly sampleSize: number;
  readonly sampleFlags: number;
}

function readTfhd(bytes: Buffer, traf: ChildBox, defaults: TrackDefaults): Tfhd {
  const r = new BoxReader(bytes, requireChild(bytes, traf, 'tfhd'));
  const { flags } = r.fullBox();
  const trackId = r.u32();
  const baseDataOffset = flags & TFHD_BASE_DATA_OFFSET ? r.u64() : null;
  if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) r.skip(4);
  return {
    trackId,
    baseDataOffset,
    baseIsMoof: (flags & TFHD_DEFAULT_BASE_IS_MOOF) !== 0,
    sampleDuration: flags & TFHD_DEFAULT_DURATION ? r.u32() : defaults.sampleDuration,
    sampleSize: flags & TFHD_DEFAULT_SIZE ? r.u32() : defaults.sampleSize,
    sampleFlags: flags & TFHD_DEFAULT_FLAGS ? r.u32() : defaults.sampleFlags,
  };
}

/** tfdt (§8.8.12): version 1 carries a 64-bit baseMediaDecodeTime. */
function readTfdt(bytes: Buffer, traf: ChildBox, sequence: number): number {
  const tfdt = findChild(bytes, traf, 'tfdt');
  if (tfdt === undefined) throw mediaError(`moof ${sequence} has no tfdt, so its time is unknown`);
  const r = new BoxReader(bytes, tfdt);
  const { version } = r.fullBox();
  return version === 1 ? r.u64() : r.u32();
}

interface Run {
  readonly count: number;
  readonly dataOffset: number | null;
  readonly firstFlags: number;
  readonly duration: number;
  readonly size: number;
}

/** trun (§8.8.8): optional per-sample fields in the order duration, size, flags, composition offset. */
function readTrun(bytes: Buffer, trun: ChildBox, tfhd: Tfhd): Run {
  const r = new BoxReader(bytes, trun);
  const { flags } = r.fullBox();
  const count = r.u32();
  // data_offset is signed (int(32)), relative to the base data offset.
  const dataOffset = flags & TRUN_DATA_OFFSET ? r.u32() | 0 : null;
  const firstSampleFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? r.u32() : null;
  let duration = 0;
  let size = 0;
  let firstFlags = firstSampleFlags ?? tfhd.sampleFlags;
  for (let i = 0; i < count; i++) {
    duration += flags & TRUN_SAMPLE_DURATION ? r.u32() : tfhd.sampleDuration;
    size += flags & TRUN_SAMPLE_SIZE ? r.u32() : tfhd.sampleSize;
    if (flags & TRUN_SAMPLE_FLAGS) {
      const sampleFlags = r.u32();
      if (i === 0 && firstSampleFlags === null) firstFlags = sampleFlags;
    }
    if (flags & TRUN_SAMPLE_CTO) r.skip(4);
  }
  return { count, dataOffset, firstFlags, duration, size };
}
