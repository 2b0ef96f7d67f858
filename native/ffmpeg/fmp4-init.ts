import type { Fmp4Init, TrackDefaults } from './fmp4-types.ts';
import { BoxReader, childBoxes, findChild, handlerType, mediaError, requireChild } from './mp4-box.ts';
import type { ChildBox } from './mp4-box.ts';

export interface ParsedInit {
  readonly init: Fmp4Init;
  readonly defaults: TrackDefaults;
}

/**
 * Reads the video track out of an initialization segment: timescale from mdhd, size from tkhd (else the
 * visual sample entry), codec from stsd, and the trex defaults the fragments fall back to.
 */
export function parseInit(bytes: Buffer): ParsedInit {
  const moovs = childBoxes(bytes, 0, bytes.length).filter((b) => b.type === 'moov');
  const moov = moovs[0];
  if (moov === undefined) throw mediaError('no moov box before the first moof');
  if (moovs.length > 1) throw mediaError('more than one moov box');
  const traks = childBoxes(bytes, moov.body, moov.end).filter((b) => b.type === 'trak');
  const video = traks.find((trak) => handlerType(bytes, trak) === 'vide');
  if (video === undefined) throw mediaError('moov has no video track');
  const header = readTkhd(bytes, requireChild(bytes, video, 'tkhd'));
  const mdia = requireChild(bytes, video, 'mdia');
  const timescale = readTimescale(bytes, requireChild(bytes, mdia, 'mdhd'));
  const stbl = requireChild(bytes, requireChild(bytes, mdia, 'minf'), 'stbl');
  const entry = readSampleEntry(bytes, requireChild(bytes, stbl, 'stsd'));
  const defaults = readTrex(bytes, moov, header.trackId);
  return {
    init: {
      bytes,
      timescale,
      width: header.width > 0 ? header.width : entry.width,
      height: header.height > 0 ? header.height : entry.height,
      codec: entry.codec,
    },
    defaults,
  };
}

/** tkhd (§8.3.2): track_ID, then width and height as 16.16 fixed point after the matrix. */
function readTkhd(bytes: Buffer, tkhd: ChildBox): { trackId: number; width: number; height: number } {
  const r = new BoxReader(bytes, tkhd);
  const { version } = r.fullBox();
  r.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const trackId = r.u32();
  r.skip(4); // reserved
  r.skip(version === 1 ? 8 : 4); // duration
  r.skip(8 + 2 + 2 + 2 + 2 + 36); // reserved, layer, alternate_group, volume, reserved, matrix
  return { trackId, width: Math.round(r.fixed16()), height: Math.round(r.fixed16()) };
}

/** mdhd (§8.4.2): version 1 widens the times and duration to 64 bits; the timescale stays 32-bit. */
function readTimescale(bytes: Buffer, mdhd: ChildBox): number {
  const r = new BoxReader(bytes, mdhd);
  const { version } = r.fullBox();
  r.skip(version === 1 ? 16 : 8);
  const timescale = r.u32();
  if (timescale === 0) throw mediaError('mdhd timescale is 0');
  return timescale;
}

/**
 * The first sample entry of stsd (§8.5.2). A VisualSampleEntry (§12.1.3) carries width and height after
 * 24 bytes of reserved and pre-defined fields; for AVC the avcC record names profile, compatibility and
 * level, which RFC 6381 §3.3 writes as `avc1.PPCCLL`.
 */
function readSampleEntry(bytes: Buffer, stsd: ChildBox): { codec: string; width: number; height: number } {
  const r = new BoxReader(bytes, stsd);
  r.fullBox();
  if (r.u32() < 1) throw mediaError('stsd has no sample entry');
  const entries = childBoxes(bytes, r.offset, stsd.end);
  const entry = entries[0];
  if (entry === undefined) throw mediaError('stsd has no sample entry');
  const e = new BoxReader(bytes, entry);
  e.skip(6 + 2 + 2 + 2 + 12); // reserved, data_reference_index, pre_defined, reserved, pre_defined
  const width = e.u16();
  const height = e.u16();
  e.skip(4 + 4 + 4 + 2 + 32 + 2 + 2); // resolutions, reserved, frame_count, compressorname, depth, pre_defined
  let codec = entry.type;
  if (entry.type === 'avc1' || entry.type === 'avc3') {
    const avcC = childBoxes(bytes, e.offset, entry.end).find((b) => b.type === 'avcC');
    if (avcC !== undefined) {
      const c = new BoxReader(bytes, avcC);
      c.skip(1); // configurationVersion
      const hex = [c.u8(), c.u8(), c.u8()].map((v) => v.toString(16).padStart(2, '0')).join('');
      codec = `${entry.type}.${hex}`;
    }
  }
  return { codec, width, height };
}

/** trex (§8.8.3) of the given track inside moov/mvex: without it no fragment can be read. */
function readTrex(bytes: Buffer, moov: ChildBox, trackId: number): TrackDefaults {
  const mvex = findChild(bytes, moov, 'mvex');
  if (mvex === undefined) throw mediaError('moov has no mvex: not a fragmented MP4');
  for (const trex of childBoxes(bytes, mvex.body, mvex.end).filter((b) => b.type === 'trex')) {
    const r = new BoxReader(bytes, trex);
    r.fullBox();
    if (r.u32() !== trackId) continue;
    r.skip(4); // default_sample_description_index
    return { trackId, sampleDuration: r.u32(), sampleSize: r.u32(), sampleFlags: r.u32() };
  }
  throw mediaError(`mvex has no trex for video track ${trackId}`);
}
