import { AevError } from '../../common/errors.ts';
import { BUNDLE_LIMITS, SAFE_PATH } from './bundle-layout.ts';

// POSIX.1-1988 ustar (IEEE Std 1003.1, pax(1) "ustar Interchange Format"): 512-byte header blocks,
// data padded to 512 bytes, two zero blocks at the end. Only regular files are written, with names
// split into prefix (155) and name (100), so no pax or GNU extension is ever needed.
export const BLOCK = 512;
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;
/** Octal size field: 11 digits, so at most 8 GiB - 1 (our per-file limit is 4 GiB). */
const MAX_OCTAL_SIZE = 0o77777777777;
const ZEROS = Buffer.alloc(BLOCK);

/** Where archive bytes go; awaiting it is the backpressure. The chunk may be reused once it resolves. */
export type ByteSink = (chunk: Buffer) => Promise<void>;

/**
 * An entry's content made piece by piece as it is archived (report.html with its embedded stills), so
 * it never exists as one large buffer; its size is known up front, as the header needs it.
 */
export interface StreamedContent {
  readonly size: number;
  pieces(): Iterable<Buffer>;
}

/** Streamed content whose pieces may take time to come (report.html with stills read again from the vault). */
export interface AsyncStreamedContent {
  readonly size: number;
  pieces(): AsyncIterable<Buffer>;
}

/** Streams a ustar archive into `sink`, one whole file at a time. */
export class UstarWriter {
  readonly #sink: ByteSink;
  readonly #mtime: number;
  readonly #names = new Set<string>();
  #finished = false;

  /** `mtimeSec`: the modification time every entry gets (the bundle's creation time). */
  constructor(sink: ByteSink, mtimeSec: number) {
    this.#sink = sink;
    this.#mtime = Math.floor(mtimeSec);
  }

  async addFile(name: string, data: Buffer): Promise<void> {
    await this.addStreamed(name, { size: data.length, pieces: () => (data.length > 0 ? [data] : []) });
  }

  /**
   * An entry whose content is written piece by piece; `onPiece` sees each piece before it is archived
   * (to hash it). The pieces must add up to the declared size exactly, or the archive is refused.
   */
  async addStreamed(
    name: string,
    content: StreamedContent | AsyncStreamedContent,
    onPiece?: (piece: Buffer) => void,
  ): Promise<void> {
    if (this.#finished) throw new AevError('E_INTERNAL', 'the archive is already finished');
    if (this.#names.has(name)) throw new AevError('E_INTERNAL', `duplicate archive entry ${name}`);
    const size = content.size;
    if (size > BUNDLE_LIMITS.maxFileBytes || size > MAX_OCTAL_SIZE)
      throw new AevError('E_INTERNAL', `${name} is larger than a bundle entry may be`);
    this.#names.add(name);
    await this.#sink(ustarHeader(name, size, this.#mtime));
    let written = 0;
    /** Archives one piece; false once the pieces run over the declared size. */
    const take = async (piece: Buffer): Promise<boolean> => {
      written += piece.length;
      if (written > size) return false;
      onPiece?.(piece);
      if (piece.length > 0) await this.#sink(piece);
      return true;
    };
    const pieces = content.pieces();
    // Most entries (20,000 in an hour's bundle) are one buffer, iterated without an await per step of
    // the iterator; only report.html's pieces can come asynchronously.
    if (Symbol.iterator in pieces) {
      for (const piece of pieces) if (!(await take(piece))) break;
    } else for await (const piece of pieces) if (!(await take(piece))) break;
    if (written !== size)
      throw new AevError('E_INTERNAL', `${name}: its content is not the ${size} bytes its header declares`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    // Sinks copy what they are given before resolving, so one block of zeros serves every entry.
    if (pad > 0) await this.#sink(ZEROS.subarray(0, pad));
  }

  /** Writes the end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.#sink(Buffer.alloc(2 * BLOCK));
  }
}

/** One ustar header block for a regular file (typeflag '0', mode 0644, owner 0:0). */
export function ustarHeader(name: string, size: number, mtimeSec: number): Buffer {
  const [prefix, base] = splitName(name);
  const h = Buffer.alloc(BLOCK);
  h.write(base, 0, NAME_BYTES, 'ascii');
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtimeSec);
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(prefix, 345, PREFIX_BYTES, 'ascii');
  writeChecksum(h);
  return h;
}

/** The header checksum: the sum of all 512 bytes as unsigned, with the checksum field read as spaces. */
export function headerChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return sum;
}

function writeChecksum(h: Buffer): void {
  // Six octal digits, NUL, space: the form every tar writes and reads.
  h.write(`${headerChecksum(h).toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
}

function writeOctal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}

function splitName(name: string): [string, string] {
  if (!SAFE_PATH.test(name) || name.startsWith('/') || name.split('/').some((p) => p === '' || p === '..' || p === '.'))
    throw new AevError('E_INTERNAL', `not a safe bundle path: ${JSON.stringify(name)}`);
  if (name.length <= NAME_BYTES) return ['', name];
  // Split at a slash so that prefix fits 155 bytes and the rest fits 100.
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (prefix.length <= PREFIX_BYTES && base.length <= NAME_BYTES && base !== '') return [prefix, base];
  }
  throw new AevError('E_INTERNAL', `the bundle path is too long for ustar: ${name}`);
}
