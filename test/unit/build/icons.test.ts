import fs from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ICONS_DIR, drawIcons } from '../../../build/make-icons.ts';
import { TRAY_STATES } from '../../../electron/engine/host/tray-view.ts';

/** Width, height and RGBA pixels of an 8-bit RGBA, non-interlaced, filter-0 PNG (what make-icons writes). */
function decode(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 6, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

describe('app icons (build/icons)', () => {
  const drawn = drawIcons();

  it('are committed exactly as build/make-icons.ts draws them', () => {
    const committed = fs.readdirSync(ICONS_DIR).sort();
    expect(committed).toEqual([...drawn.keys()].sort());
    for (const [name, png] of drawn) expect(fs.readFileSync(path.join(ICONS_DIR, name)).equals(png), name).toBe(true);
  });

  it('give every tray state a 16 px and a @2x 32 px image, coloured and macOS template', () => {
    for (const state of TRAY_STATES)
      for (const [suffix, size] of [
        ['', 16],
        ['@2x', 32],
      ] as const)
        for (const kind of ['', 'Template']) {
          const png = drawn.get(`tray-${state}${kind}${suffix}.png`);
          expect(png, `${state}${kind}${suffix}`).toBeDefined();
          if (png !== undefined) expect(decode(png)).toMatchObject({ width: size, height: size });
        }
  });

  it('draw template images in black and alpha only, and tell the four states apart', () => {
    const masks = TRAY_STATES.map((state) => {
      const { rgba } = decode(drawn.get(`tray-${state}Template@2x.png`) ?? Buffer.alloc(0));
      for (let i = 0; i < rgba.length; i += 4) expect([rgba[i], rgba[i + 1], rgba[i + 2]]).toEqual([0, 0, 0]);
      const alpha = Buffer.alloc(rgba.length / 4);
      for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3] ?? 0;
      expect(alpha.some((a) => a === 255)).toBe(true);
      expect(alpha.some((a) => a === 0)).toBe(true);
      return alpha.toString('hex');
    });
    expect(new Set(masks).size).toBe(TRAY_STATES.length);
  });

  it('make an app icon large enough for macOS (≥ 512 px)', () => {
    const { width, height } = decode(drawn.get('icon.png') ?? Buffer.alloc(0));
    expect(width).toBeGreaterThanOrEqual(512);
    expect(height).toBe(width);
  });
});
