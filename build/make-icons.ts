import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { pngChunk } from '../native/screen/png-encoder.ts';

/**
 * Draws the app's icons (build/icons/, committed): the tray's four states, each as a coloured image for
 * Windows and Linux and as a macOS template image (black and alpha only: the menu bar tints it), at 1x
 * and @2x, plus the application icon electron-builder converts per platform. Shapes are signed distance
 * functions sampled per pixel, so edges are anti-aliased and the output is the same bytes on every run.
 * `node build/make-icons.ts` rewrites the files; test/unit/build/icons.test.ts checks they are current.
 */
export const ICONS_DIR = fileURLToPath(new URL('icons/', import.meta.url));

type Rgb = readonly [number, number, number];
/** Signed distance (in icon units, 0..1 across) from a point to a shape: negative inside. */
type Shape = (x: number, y: number) => number;

const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;
const ring =
  (cx: number, cy: number, r: number, width: number): Shape =>
  (x, y) =>
    Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
const roundedBox =
  (cx: number, cy: number, halfW: number, halfH: number, radius: number): Shape =>
  (x, y) => {
    const qx = Math.abs(x - cx) - halfW + radius;
    const qy = Math.abs(y - cy) - halfH + radius;
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));
const minus =
  (a: Shape, b: Shape): Shape =>
  (x, y) =>
    Math.max(a(x, y), -b(x, y));

export const TRAY_SHAPES = {
  // A hollow dot: armed, nothing to record.
  idle: ring(0.5, 0.5, 0.3, 0.13),
  // The record dot.
  recording: circle(0.5, 0.5, 0.36),
  // Two bars.
  paused: union(roundedBox(0.35, 0.5, 0.085, 0.3, 0.04), roundedBox(0.65, 0.5, 0.085, 0.3, 0.04)),
  // A dot with an exclamation mark cut out.
  attention: minus(circle(0.5, 0.5, 0.44), union(roundedBox(0.5, 0.4, 0.06, 0.2, 0.05), circle(0.5, 0.75, 0.07))),
} as const satisfies Record<string, Shape>;

const TRAY_COLOURS: Readonly<Record<keyof typeof TRAY_SHAPES, Rgb>> = {
  idle: [0x6b, 0x72, 0x80],
  recording: [0xdc, 0x26, 0x26],
  paused: [0xd9, 0x77, 0x06],
  attention: [0xea, 0x58, 0x0c],
};

/** RGBA pixels of `layers` drawn in order over transparency; coverage is the distance at the pixel centre. */
function render(size: number, layers: readonly (readonly [Shape, Rgb])[]): Buffer {
  const px = Buffer.alloc(size * size * 4);
  for (let j = 0; j < size; j++)
    for (let i = 0; i < size; i++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const [shape, colour] of layers) {
        const cover = Math.min(1, Math.max(0, 0.5 - shape((i + 0.5) / size, (j + 0.5) / size) * size));
        // "over" compositing, straight alpha
        const outA = cover + a * (1 - cover);
        if (outA > 0) {
          r = (colour[0] * cover + r * a * (1 - cover)) / outA;
          g = (colour[1] * cover + g * a * (1 - cover)) / outA;
          b = (colour[2] * cover + b * a * (1 - cover)) / outA;
        }
        a = outA;
      }
      const at = (j * size + i) * 4;
      px[at] = Math.round(r);
      px[at + 1] = Math.round(g);
      px[at + 2] = Math.round(b);
      px[at + 3] = Math.round(a * 255);
    }
  return px;
}

/** An 8-bit RGBA PNG (colour type 6, PNG §11.2.2), one zlib stream of filter-0 scanlines. */
export function encodeRgbaPng(size: number, rgba: Buffer): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every icon file, by name. The tray's base size is 16 px (macOS menu bar, Windows notification area). */
export function drawIcons(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const state of Object.keys(TRAY_SHAPES) as (keyof typeof TRAY_SHAPES)[]) {
    for (const [suffix, size] of [
      ['', 16],
      ['@2x', 32],
    ] as const) {
      const shape = TRAY_SHAPES[state];
      out.set(`tray-${state}${suffix}.png`, encodeRgbaPng(size, render(size, [[shape, TRAY_COLOURS[state]]])));
      out.set(`tray-${state}Template${suffix}.png`, encodeRgbaPng(size, render(size, [[shape, [0, 0, 0]]])));
    }
  }
  // The app icon: a dark rounded square, a white ring and the red record dot (1024 px: macOS wants ≥ 512).
  const app: (readonly [Shape, Rgb])[] = [
    [roundedBox(0.5, 0.5, 0.42, 0.42, 0.09), [0x11, 0x18, 0x27]],
    [ring(0.5, 0.5, 0.27, 0.06), [0xf9, 0xfa, 0xfb]],
    [circle(0.5, 0.5, 0.15), [0xdc, 0x26, 0x26]],
  ];
  out.set('icon.png', encodeRgbaPng(1024, render(1024, app)));
  return out;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.mkdirSync(ICONS_DIR, { recursive: true });
  for (const [name, png] of drawIcons()) fs.writeFileSync(path.join(ICONS_DIR, name), png);
}
