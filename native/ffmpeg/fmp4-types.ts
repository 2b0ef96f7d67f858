/**
 * The initialization segment: ftyp, moov and any other box before the first fragment (a styp, sidx or
 * prft after the moov already opens the first fragment).
 */
export interface Fmp4Init {
  readonly bytes: Buffer;
  /** Ticks per second of the video track (mdhd, ISO/IEC 14496-12 §8.4.2). */
  readonly timescale: number;
  readonly width: number;
  readonly height: number;
  /** RFC 6381 codec string for AVC (`avc1.64001f`), otherwise the sample entry's four-character code. */
  readonly codec: string;
}

/** One movie fragment: optional styp/sidx/prft, the `moof`, and the `mdat`(s) it references. */
export interface Fmp4Fragment {
  readonly bytes: Buffer;
  /** mfhd sequence_number (§8.8.5). */
  readonly sequence: number;
  /** tfdt baseMediaDecodeTime (§8.8.12), in timescale ticks. */
  readonly decodeTime: number;
  /** Sum of the sample durations, in ticks (trun, else tfhd default, else trex default). */
  readonly duration: number;
  readonly samples: number;
  /** The first sample is a sync sample (sample_is_non_sync_sample clear, §8.8.3.1). */
  readonly keyframe: boolean;
}

export type Fmp4Part = { kind: 'init'; init: Fmp4Init } | { kind: 'fragment'; fragment: Fmp4Fragment };

/** trex defaults (§8.8.3) of the video track, which a traf falls back to. */
export interface TrackDefaults {
  readonly trackId: number;
  readonly sampleDuration: number;
  readonly sampleSize: number;
  readonly sampleFlags: number;
}
