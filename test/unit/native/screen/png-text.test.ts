import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../../../native/screen/png-encoder.ts';
import { readTextChunks, withTextChunk } from '../../../../native/screen/png-text.ts';
import { isAevError } from '../../../../electron/common/errors.ts';
import type { ErrorCode } from '../../../../electron/common/errors.ts';
import { decodePng, decodeWithFfmpeg } from './png-decode.ts';

function gradient(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  return encodePng({ width, height, data, channels: 3, bytesPerRow: width * 3, order: 'rgb' });
}

/** The chunk types in file order, each checked against its CRC (PNG §5.3), written apart from png-text.ts. */
function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
    types.push(png.toString('latin1', at + 4, at + 8));
    at += 12 + length;
  }
  return types;
}

function expectAevError(run: () => unknown, code: ErrorCode): void {
  let thrown: unknown = null;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isAevError(thrown) ? thrown.code : thrown).toBe(code);
}

const TITLE = 'vim — ~/projects/secret-plan.md 日本語 😀';

describe('withTextChunk', () => {
  it('adds an iTXt chunk before IEND with a valid CRC; the image decodes to the same pixels', () => {
    const png = gradient(17, 9);
    const titled = withTextChunk(png, 'Title', TITLE);
    expect(chunkTypes(titled)).toEqual(['IHDR', 'IDAT', 'iTXt', 'IEND']);
    expect(decodePng(titled).rgb.equals(decodePng(png).rgb)).toBe(true);
    const byFfmpeg = decodeWithFfmpeg(titled);
    if (byFfmpeg !== null) expect(byFfmpeg.equals(decodePng(png).rgb)).toBe(true);
  });

  it('lays the chunk out as PNG §11.3.4.5 says: keyword, NUL, flag 0, method 0, empty language and translation, UTF-8 text', () => {
    const titled = withTextChunk(gradient(2, 2), 'Title', TITLE);
    const iend = titled.length - 12;
    const text = Buffer.from(TITLE, 'utf8');
    const start = iend - 12 - (5 + 5 + text.length);
    expect(titled.readUInt32BE(start)).toBe(5 + 5 + text.length);
    expect(titled.toString('latin1', start + 4, start + 8)).toBe('iTXt');
    const data = titled.subarray(start + 8, iend - 4);
    expect(data.subarray(0, 10)).toEqual(Buffer.from([...Buffer.from('Title', 'latin1'), 0, 0, 0, 0, 0]));
    expect(data.subarray(10).toString('utf8')).toBe(TITLE);
  });

  it('reads the text back, and an empty title as an empty string', () => {
    const twice = withTextChunk(withTextChunk(gradient(3, 3), 'Title', TITLE), 'Comment', '');
    expect(readTextChunks(twice)).toEqual([
      { keyword: 'Title', text: TITLE },
      { keyword: 'Comment', text: '' },
    ]);
    expect(readTextChunks(gradient(3, 3))).toEqual([]);
  });

  it('leaves the input untouched', () => {
    const png = gradient(4, 4);
    const copy = Buffer.from(png);
    withTextChunk(png, 'Title', TITLE);
    expect(png.equals(copy)).toBe(true);
  });

  it('refuses keywords PNG §11.3.4.2 does not allow', () => {
    const png = gradient(2, 2);
    for (const bad of ['', ' Title', 'Title ', 'Ti  tle', 'x'.repeat(80), 'Tit\nle', 'Titel ü€']) {
      expectAevError(() => withTextChunk(png, bad, 'x'), 'E_INTERNAL');
    }
    expect(readTextChunks(withTextChunk(png, 'Café Title', 'x'))[0]?.keyword).toBe('Café Title');
  });

  it('refuses bytes that are not a well-formed PNG', () => {
    const png = gradient(2, 2);
    const cases: Buffer[] = [
      Buffer.from('not a png at all'),
      png.subarray(0, png.length - 12), // no IEND
      Buffer.concat([png, Buffer.from('trailing')]), // bytes after IEND
      png.subarray(0, png.length - 3), // IEND truncated
      Buffer.concat([png.subarray(0, 8), png.subarray(33)]), // no IHDR first
    ];
    for (const bad of cases) expectAevError(() => withTextChunk(bad, 'Title', 'x'), 'E_MEDIA_FORMAT');
  });
});
