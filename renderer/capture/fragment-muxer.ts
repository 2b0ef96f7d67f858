import { EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, NullTarget, Output } from 'mediabunny';
import type { CapturedPart } from './capture-protocol.ts';

/** ffmpeg's fragments are one second long (docs/screen-capture.md); these are cut the same way. */
const FRAGMENT_US = 1_000_000;

interface HeldPacket {
  readonly data: Uint8Array;
  readonly key: boolean;
  readonly us: number;
  readonly meta: EncodedVideoChunkMetadata | undefined;
}

/** mediabunny's muxer method that ends a fragment before a non-key sample (its HLS writer uses it). */
type FragmentCutter = () => Promise<void>;

/**
 * Encoded frames → fragmented MP4 with mediabunny (Output, Mp4OutputFormat fastStart 'fragmented',
 * EncodedVideoPacketSource): the init segment (ftyp + moov) once, then one moof + mdat per fragment,
 * each handed to `onPart` with its wall-clock time. Video time is µs since the run's first frame, whose
 * wall clock is `anchorMs`.
 *
 * Two things mediabunny does not do by itself: a packet's duration is only known when the next one
 * arrives (frames come when the screen changes), so each packet is held until then and written with the
 * exact gap, leaving no holes in the time line; and a fragment only ends before a keyframe, which come
 * once a window, so fragments are also cut once a second before the next packet, as ffmpeg cuts them.
 */
export class FragmentMuxer {
  readonly #output: Output;
  readonly #source: EncodedVideoPacketSource;
  readonly #cut: FragmentCutter | null;
  readonly #anchorMs: number;
  readonly #onPart: (part: CapturedPart) => void;
  #ftyp: Uint8Array | null = null;
  #moof: { bytes: Uint8Array; seconds: number } | null = null;
  #held: HeldPacket | null = null;
  #fragmentStartUs = 0;

  private constructor(container: 'avc' | 'vp9', anchorMs: number, onPart: (part: CapturedPart) => void) {
    this.#anchorMs = anchorMs;
    this.#onPart = onPart;
    this.#source = new EncodedVideoPacketSource(container);
    this.#output = new Output({
      format: new Mp4OutputFormat({
        fastStart: 'fragmented',
        // Every keyframe (a window boundary) starts a fragment.
        minimumFragmentDuration: 0,
        onFtyp: (data) => {
          this.#ftyp = data.slice();
        },
        onMoov: (data) => {
          this.#emit('init', this.#anchorMs, [this.#ftyp ?? new Uint8Array(0), data]);
        },
        onMoof: (data, _position, seconds) => {
          this.#moof = { bytes: data.slice(), seconds };
        },
        onMdat: (data) => {
          const moof = this.#moof;
          this.#moof = null;
          if (moof !== null) this.#emit('fragment', this.#anchorMs + moof.seconds * 1000, [moof.bytes, data]);
        },
      }),
      target: new NullTarget(),
    });
    this.#output.addVideoTrack(this.#source);
    this.#cut = fragmentCutter(this.#output);
  }

  static async start(
    container: 'avc' | 'vp9',
    anchorMs: number,
    onPart: (part: CapturedPart) => void,
  ): Promise<FragmentMuxer> {
    const muxer = new FragmentMuxer(container, anchorMs, onPart);
    await muxer.#output.start();
    return muxer;
  }

  /** Whether fragments can be cut between keyframes (else they last from one keyframe to the next). */
  get cutsEverySecond(): boolean {
    return this.#cut !== null;
  }

  /** Takes the encoder's next chunk (in order); writes the one before it, now that its duration is known. */
  async add(chunk: EncodedVideoChunk, meta: EncodedVideoChunkMetadata | undefined): Promise<void> {
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    const next: HeldPacket = { data, key: chunk.type === 'key', us: chunk.timestamp, meta };
    const held = this.#held;
    this.#held = next;
    if (held === null) {
      this.#fragmentStartUs = next.us;
      return;
    }
    await this.#write(held, next.us - held.us);
    if (next.key) this.#fragmentStartUs = next.us;
    else if (this.#cut !== null && next.us - this.#fragmentStartUs >= FRAGMENT_US) {
      await this.#cut();
      this.#fragmentStartUs = next.us;
    }
  }

  /** Writes the last packet (shown until `endUs`) and the last fragment. */
  async finish(endUs: number): Promise<void> {
    const held = this.#held;
    this.#held = null;
    if (held !== null) await this.#write(held, Math.max(1000, endUs - held.us));
    await this.#output.finalize();
  }

  /** Drops everything (the run failed); nothing more is emitted. */
  async cancel(): Promise<void> {
    this.#held = null;
    await this.#output.cancel();
  }

  async #write(p: HeldPacket, durationUs: number): Promise<void> {
    const packet = new EncodedPacket(p.data, p.key ? 'key' : 'delta', p.us / 1e6, durationUs / 1e6);
    await this.#source.add(packet, p.meta);
  }

  #emit(kind: CapturedPart['kind'], wallMs: number, pieces: readonly Uint8Array[]): void {
    const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const piece of pieces) {
      bytes.set(piece, at);
      at += piece.byteLength;
    }
    this.#onPart({ kind, wallMs, bytes });
  }
}

/**
 * mediabunny 1.61 ends fragments only before keyframes; its own HLS writer cuts them elsewhere with the
 * muxer's `forceFragmentFinalization`, which is not public API. Looked up defensively: without it the
 * recording still works, with one fragment per window.
 */
function fragmentCutter(output: Output): FragmentCutter | null {
  const muxer = (output as unknown as { _muxer?: { forceFragmentFinalization?: unknown } })._muxer;
  const cut = muxer?.forceFragmentFinalization;
  return typeof cut === 'function' ? () => (cut as () => Promise<void>).call(muxer) : null;
}
