/** The encoder settings, and the mediabunny codec name of what they produce. */
export interface ChosenCodec {
  readonly config: VideoEncoderConfig;
  readonly container: 'avc' | 'vp9';
}

// DESIGN.md §4: H.264 where the encoder has it, else VP9. High 4.0 first (1080p at 30 fps), then
// Baseline at level 4.0 and 3.1 (Chromium's software encoder, OpenH264, speaks Baseline), then VP9.
const CANDIDATES: readonly { readonly codec: string; readonly container: 'avc' | 'vp9' }[] = [
  { codec: 'avc1.640028', container: 'avc' },
  { codec: 'avc1.420028', container: 'avc' },
  { codec: 'avc1.42001f', container: 'avc' },
  { codec: 'vp09.00.10.08', container: 'vp9' },
];

/**
 * Screen content at a few frames a second: about 0.15 bit per pixel per frame when it moves (text stays
 * legible), variable so an unchanged screen costs next to nothing.
 */
function bitrateFor(width: number, height: number, fps: number): number {
  return Math.max(200_000, Math.round(width * height * fps * 0.15));
}

/** The first candidate this Chromium can encode at this size, in real-time mode, without B-frames. */
export async function chooseCodec(width: number, height: number, fps: number): Promise<ChosenCodec> {
  for (const candidate of CANDIDATES) {
    const config: VideoEncoderConfig = {
      codec: candidate.codec,
      width,
      height,
      framerate: fps,
      bitrate: bitrateFor(width, height, fps),
      bitrateMode: 'variable',
      latencyMode: 'realtime',
      // ISO/IEC 14496-15 avcC in the decoder config (what an MP4 sample entry holds), not Annex B.
      ...(candidate.container === 'avc' ? { avc: { format: 'avc' as const } } : {}),
    };
    const support = await VideoEncoder.isConfigSupported(config).catch(() => null);
    if (support?.supported === true) return { config, container: candidate.container };
  }
  throw new Error(`this browser can encode none of ${CANDIDATES.map((c) => c.codec).join(', ')} at ${width}x${height}`);
}
