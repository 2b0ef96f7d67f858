import { spawnSync } from 'node:child_process';
import { crc32, inflateSync } from 'node:zlib';

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** Pixels as RGB, row after row, no padding. */
  readonly rgb: Buffer;
}

/**
 * A strict reader for the PNGs our stills are (8-bit truecolour, not interlaced), written apart from the
 * encoder so the two do not share mistakes: it checks the signature, every chunk's CRC (PNG §5.3), the
 * chunk order and the size of the inflated data, and undoes all five filter types (§9.2).
 */
export function decodePng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))) throw new Error('no PNG signature');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = png.readUInt32BE(at + 8 + length);
    if (crc32(data, crc32(png.subarray(at + 4, at + 8))) !== crc) throw new Error(`bad CRC in ${type}`);
    chunks.push({ type, data });
    at += 12 + length;
  }
  const [ihdr] = chunks;
  if (ihdr?.type !== 'IHDR' || chunks.at(-1)?.type !== 'IEND') throw new Error('chunks out of order');
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  if (ihdr.data[8] !== 8 || ihdr.data[9] !== 2 || ihdr.data[12] !== 0) throw new Error('not 8-bit RGB, plain');
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 3;
  if (raw.length !== height * (stride + 1))
    throw new Error(`inflated ${raw.length} bytes, not ${height * (stride + 1)}`);
  const rgb = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const a = x >= 3 ? rgb[y * stride + x - 3]! : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + x]! : 0;
      const c = x >= 3 && y > 0 ? rgb[(y - 1) * stride + x - 3]! : 0;
      const value = raw[y * (stride + 1) + 1 + x]!;
      rgb[y * stride + x] = (value + predictor(filter, a, b, c)) & 0xff;
    }
  }
  return { width, height, rgb };
}

function predictor(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new Error(`unknown filter ${filter}`);
  }
}

/** The same PNG decoded by ffmpeg (an independent decoder) to RGB, or null when ffmpeg is missing. */
export function decodeWithFfmpeg(png: Buffer): Buffer | null {
  const result = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'png_pipe', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      input: png,
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  if (result.error !== undefined) return null;
  if (result.status !== 0) throw new Error(`ffmpeg could not decode the PNG: ${result.stderr.toString()}`);
  return result.stdout;
}
