import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodePng, pngSize } from '../../../../native/screen/png-encoder.ts';
import { decodePng, decodeWithFfmpeg } from './png-decode.ts';

/** A BGRA image with `pad` spare bytes at the end of each row, as X servers hand them over. */
function bgra(width: number, height: number, pad: number, pixel: (x: number, y: number) => [number, number, number]) {
  const bytesPerRow = width * 4 + pad;
  const data = Buffer.alloc(bytesPerRow * height, 0xee);
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      data.set([b, g, r, 0x7f], y * bytesPerRow + x * 4);
      rgb.set([r, g, b], (y * width + x) * 3);
    }
  }
  return { image: { width, height, data, channels: 4 as const, bytesPerRow, order: 'bgr' as const }, rgb };
}

describe('encodePng', () => {
  it('turns BGRA rows with padding into an RGB PNG that decodes to the same pixels', () => {
    const noise = randomBytes(7 * 5 * 3);
    const { image, rgb } = bgra(7, 5, 12, (x, y) => {
      const at = (y * 7 + x) * 3;
      return [noise[at]!, noise[at + 1]!, noise[at + 2]!];
    });
    const decoded = decodePng(encodePng(image));
    expect(decoded).toEqual({ width: 7, height: 5, rgb });
  });

  it('takes RGB input without an alpha byte as is', () => {
    const data = randomBytes(4 * 3 * 3);
    const png = encodePng({ width: 4, height: 3, data, channels: 3, bytesPerRow: 12, order: 'rgb' });
    expect(decodePng(png).rgb).toEqual(data);
  });

  it('writes a PNG that an independent decoder (ffmpeg) reads to the same pixels', (context) => {
    const { image, rgb } = bgra(33, 17, 0, (x, y) => [(x * 7) & 255, (y * 13) & 255, (x * y) & 255]);
    const pixels = decodeWithFfmpeg(encodePng(image, 1));
    if (pixels === null) {
      context.skip('ffmpeg is not installed (apt-get install ffmpeg)');
      return;
    }
    expect(pixels).toEqual(rgb);
  });

  it('names the size in the IHDR it writes, and reads nothing from bytes that are not a PNG', () => {
    const { image } = bgra(640, 2, 0, () => [1, 2, 3]);
    expect(pngSize(encodePng(image))).toEqual({ width: 640, height: 2 });
    expect(pngSize(Buffer.from('GIF89a is not a PNG at all, not even close'))).toBeNull();
    expect(pngSize(Buffer.alloc(0))).toBeNull();
  });

  it('refuses an image with no pixels, rows too short for the width, or data too short for the rows', () => {
    const data = Buffer.alloc(64);
    const base = { data, channels: 4 as const, order: 'bgr' as const };
    expect(() => encodePng({ ...base, width: 0, height: 1, bytesPerRow: 4 })).toThrow(/0x1/);
    expect(() => encodePng({ ...base, width: 4, height: 1, bytesPerRow: 12 })).toThrow(/too short for 4 pixels/);
    expect(() => encodePng({ ...base, width: 4, height: 5, bytesPerRow: 16 })).toThrow(/data of 64 bytes/);
  });
});
