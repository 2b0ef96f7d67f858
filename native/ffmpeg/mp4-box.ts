import { AevError } from '../../electron/common/errors.ts';

/**
 * ISO BMFF box headers (ISO/IEC 14496-12 §4.2): 32-bit size + 4-character type; size 1 means a 64-bit
 * `largesize` follows the type; size 0 means "to the end of the file", which a stream cannot honour.
 */
export interface BoxHeader {
  readonly type: string;
  /** Whole box, header included. */
  readonly size: number;
  readonly headerSize: number;
}

/** Reads the header at `offset`, or returns null when fewer than the header's bytes are available. */
export function readBoxHeader(bytes: Buffer, offset: number, end = bytes.length): BoxHeader | null {
  if (end - offset < 8) return null;
  const size32 = bytes.readUInt32BE(offset);
  const type = bytes.toString('latin1', offset + 4, offset + 8);
  if (size32 === 0)
    throw mediaError(`box '${printable(type)}' has size 0 ("to end of file"), which a stream cannot have`);
  if (size32 !== 1) {
    if (size32 < 8) throw mediaError(`box '${printable(type)}' declares size ${size32}, below its own 8-byte header`);
    return { type, size: size32, headerSize: 8 };
  }
  if (end - offset < 16) return null;
  const large = bytes.readBigUInt64BE(offset + 8);
  if (large < 16n) throw mediaError(`box '${printable(type)}' declares largesize ${large}, below its 16-byte header`);
  if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw mediaError(`box '${printable(type)}' declares largesize ${large}`);
  return { type, size: Number(large), headerSize: 16 };
}

/** A box found inside a parent: `start` is where its header begins, `body` where its payload begins. */
export interface ChildBox {
  readonly type: string;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

/** The boxes directly inside [start, end); each must fit inside the parent. */
export function childBoxes(bytes: Buffer, start: number, end: number): ChildBox[] {
  const children: ChildBox[] = [];
  let at = start;
  while (at < end) {
    const header = readBoxHeader(bytes, at, end);
    if (header === null) throw mediaError(`truncated box header inside a parent box at byte ${at}`);
    if (at + header.size > end) throw mediaError(`box '${printable(header.type)}' at byte ${at} overruns its parent`);
    children.push({ type: header.type, start: at, body: at + header.headerSize, end: at + header.size });
    at += header.size;
  }
  return children;
}

export function findChild(bytes: Buffer, parent: ChildBox, type: string): ChildBox | undefined {
  return childBoxes(bytes, parent.body, parent.end).find((c) => c.type === type);
}

export function requireChild(bytes: Buffer, parent: ChildBox, type: string): ChildBox {
  const child = findChild(bytes, parent, type);
  if (child === undefined) throw mediaError(`'${parent.type}' box has no '${type}' box`);
  return child;
}

/** Sequential, bounds-checked reads inside one box: running past its end is a format error, not a RangeError. */
export class BoxReader {
  private readonly bytes: Buffer;
  private readonly box: ChildBox;
  private at: number;

  constructor(bytes: Buffer, box: ChildBox) {
    this.bytes = bytes;
    this.box = box;
    this.at = box.body;
  }

  /** FullBox (§4.2.2): 8-bit version and 24-bit flags. */
  fullBox(): { version: number; flags: number } {
    const version = this.u8();
    return { version, flags: this.u24() };
  }

  u8(): number {
    this.need(1);
    return this.bytes.readUInt8(this.at++);
  }

  u16(): number {
    this.need(2);
    const v = this.bytes.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.bytes.readUIntBE(this.at, 3);
    this.at += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.bytes.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const v = this.bytes.readBigUInt64BE(this.at);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw mediaError(`'${this.box.type}' holds a 64-bit value too large: ${v}`);
    return Number(v);
  }

  /** 16.16 fixed point, as tkhd width and height (§8.3.2). */
  fixed16(): number {
    return this.u32() / 65536;
  }

  fourcc(): string {
    this.need(4);
    const s = this.bytes.toString('latin1', this.at, this.at + 4);
    this.at += 4;
    return s;
  }

  skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  get offset(): number {
    return this.at;
  }

  private need(n: number): void {
    if (this.at + n > this.box.end) throw mediaError(`'${this.box.type}' box is too short for its fields`);
  }
}

export function mediaError(message: string): AevError {
  return new AevError('E_MEDIA_FORMAT', `malformed fragmented MP4: ${message}`);
}

/** Box types are four bytes of anything; show non-printable ones as hex so messages stay readable. */
export function printable(type: string): string {
  return /^[\x20-\x7e]{4}$/.test(type) ? type : Buffer.from(type, 'latin1').toString('hex');
}

/** A trak's handler type (hdlr, §8.4.3): 'vide' for video, 'text'/'sbtl' for subtitles. */
export function handlerType(bytes: Buffer, trak: ChildBox): string | undefined {
  const mdia = findChild(bytes, trak, 'mdia');
  const hdlr = mdia === undefined ? undefined : findChild(bytes, mdia, 'hdlr');
  if (hdlr === undefined) return undefined;
  const r = new BoxReader(bytes, hdlr);
  r.fullBox();
  r.skip(4); // pre_defined (§8.4.3)
  return r.fourcc();
}
