export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The encoded size: long side at most `maxLongSide`, aspect kept, both sides even (4:2:0 chroma). */
export function encodedSize(width: number, height: number, maxLongSide: number): Size {
  const scale = Math.min(1, maxLongSide / Math.max(width, height));
  const even = (v: number): number => Math.max(2, Math.floor((v * scale) / 2) * 2);
  return { width: even(width), height: even(height) };
}

/**
 * Gives every frame the encoder's size and the run's timestamp. Chromium's capturer already scales to
 * the constraints, so this is usually a re-stamp; when the screen changes size mid-run (a monitor
 * plugged in), the picture is drawn fitted onto the encoder's canvas, black around it.
 */
export class FrameScaler {
  readonly #size: Size;
  #canvas: OffscreenCanvas | null = null;

  constructor(size: Size) {
    this.#size = size;
  }

  /** A new frame (the caller closes it) showing `source` at `timestampUs`. */
  frame(source: VideoFrame, timestampUs: number): VideoFrame {
    const { width, height } = this.#size;
    if (source.displayWidth === width && source.displayHeight === height)
      return new VideoFrame(source, { timestamp: timestampUs });
    this.#canvas ??= new OffscreenCanvas(width, height);
    const g = this.#canvas.getContext('2d');
    if (g === null) throw new Error('no 2D canvas to scale the screen with');
    const scale = Math.min(width / source.displayWidth, height / source.displayHeight);
    const w = source.displayWidth * scale;
    const h = source.displayHeight * scale;
    g.fillStyle = '#000';
    g.fillRect(0, 0, width, height);
    g.drawImage(source, (width - w) / 2, (height - h) / 2, w, h);
    return new VideoFrame(this.#canvas, { timestamp: timestampUs });
  }
}
