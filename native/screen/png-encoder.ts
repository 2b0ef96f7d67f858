import { crc32, deflateSync } from 'node:zlib';
import { AevError } from '../../electron/common/errors.ts';

/** Pixels as a screen grabber hands them over: rows of `bytesPerRow`, 3 or 4 bytes per pixel. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /** 4 when each pixel carries a fourth (alpha or padding) byte, which a screen still drops. */
  readonly channels: 3 | 4;
  readonly bytesPerRow: number;
  /** nut-js grabs in BGR order on every platform (its ColorMode.BGR). */
  readonly order: 'rgb' | 'bgr';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// PNG §11.2.2: dimensions are non-zero and at most 2^31-1; we also refuse sizes no screen has.
const MAX_DIMENSION = 1 << 16;

/**
 * Encodes a screen image as an 8-bit truecolour PNG (colour type 2) in memory: the still is encrypted by the
 * engine and never touches the disk in clear (DESIGN.md §2, I1). Every scanline uses filter type 0 (PNG
 * §9.2) and one zlib stream (§10); the CRC of each chunk covers its type and data (§5.3). A screen has no
 * transparency, so an alpha byte is dropped rather than carried as noise.
 */
export function encodePng(image: RawImage, level = 6): Buffer {
  checkImage(image);
  const { width, height, data, channels, bytesPerRow, order } = image;
  const rowLength = 1 + width * 3;
  const raw = Buffer.allocUnsafe(rowLength * height);
  const [r, b] = order === 'bgr' ? [2, 0] : [0, 2];
  let out = 0;
  for (let y = 0; y < height; y++) {
    raw[out++] = 0; // filter type 0 (None)
    let at = y * bytesPerRow;
    for (let x = 0; x < width; x++, at += channels) {
      raw[out++] = data[at + r] ?? 0;
      raw[out++] = data[at + 1] ?? 0;
      raw[out++] = data[at + b] ?? 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  // compression 0 (deflate), filter method 0, interlace 0 (none): already zero
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Width and height from a PNG's IHDR, or null when the bytes do not start like a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | null {
  if (png.length < 33 || !PNG_SIGNATURE.equals(png.subarray(0, 8))) return null;
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** One PNG chunk: length, type, data, and a CRC over the type and the data (PNG §5.3). */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4, 8))), 0);
  return Buffer.concat([head, data, crc]);
}

function checkImage(image: RawImage): void {
  const { width, height, data, channels, bytesPerRow } = image;
  const dimensionOk = (n: number): boolean => Number.isInteger(n) && n > 0 && n <= MAX_DIMENSION;
  if (!dimensionOk(width) || !dimensionOk(height)) {
    throw new AevError('E_INTERNAL', `cannot encode a ${width}x${height} image`, { width, height });
  }
  if (!Number.isInteger(bytesPerRow) || bytesPerRow < width * channels) {
    throw new AevError('E_INTERNAL', `row of ${bytesPerRow} bytes is too short for ${width} pixels`, { bytesPerRow });
  }
  if (data.length < bytesPerRow * (height - 1) + width * channels) {
    throw new AevError('E_INTERNAL', `image data of ${data.length} bytes is too short`, { length: data.length });
  }
}
