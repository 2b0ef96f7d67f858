import { createHash } from 'node:crypto';
import type { VerifyCode } from '../../../common/model/verification.ts';
import { BUNDLE_LIMITS, SAFE_PATH } from '../../export/bundle-layout.ts';
import { BLOCK, headerChecksum } from '../../export/ustar-writer.ts';
import { ByteReader } from './byte-reader.ts';

/** An archive the verifier refuses, with the code it reports (never a crash, never a partial read). */
export class ArchiveError extends Error {
  readonly code: VerifyCode;
  constructor(code: VerifyCode, message: string) {
    super(message);
    this.name = 'ArchiveError';
    this.code = code;
  }
}

export interface BundleEntry {
  readonly size: number;
  /** Hex SHA-256 of the whole content. */
  readonly sha256: string;
  /** The content, for files small enough to keep (media bytes are only hashed). */
  readonly bytes: Buffer | null;
  /**
   * The content as the pieces it arrived in (views, not copies), for entries kept as `'pieces'`: what is
   * only handed on in order (video items to ffmpeg) need not be copied into one buffer first.
   */
  readonly pieces?: readonly Buffer[];
}

/** Where an entry's content goes while it is read; awaiting `write` is the backpressure. */
export interface ContentSink {
  /**
   * `done`, when given, is to be called once the sink no longer needs `chunk`'s bytes (handed to another
   * process, or dropped): only then may the source reuse that memory. Never called, it never is.
   */
  write(chunk: Buffer, done?: () => void): Promise<void> | void;
  /** The whole content was written. */
  end(): void;
  /** The archive was refused or could not be read: the content is incomplete. */
  abort(reason: Error): void;
}

export interface ReadArchiveOptions {
  readonly limits?: Partial<Record<keyof typeof BUNDLE_LIMITS, number>>;
  /**
   * Keep this entry's content in memory: `true` as one buffer, `'pieces'` as the pieces it came in
   * (default: files up to 16 MiB, as one buffer).
   */
  readonly keep?: (path: string, size: number) => boolean | 'pieces';
  /**
   * A sink that sees this entry's content as it passes (the clip check streams clip.mp4 to ffmpeg while
   * the rest is still being decrypted); the content is hashed and checked as always.
   */
  readonly stream?: (path: string, size: number) => ContentSink | null;
  /** Called once an entry was read whole, with every entry read so far (it included). */
  readonly onEntry?: (path: string, files: ReadonlyMap<string, BundleEntry>) => void;
  /** The source's `release` (ageDecryptFile): pieces whose bytes no one keeps are given back to it. */
  readonly release?: (piece: Buffer) => void;
}

const KEEP_MAX = 16 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;

/**
 * Reads a ustar archive strictly (docs/bundle-format.md "Container"): regular files and directories only,
 * safe relative paths, no duplicates, checksummed headers, declared sizes within the limits, a complete
 * end-of-archive marker. Anything else throws an ArchiveError naming the entry. Content is streamed:
 * every file is hashed as it passes; only files `keep` allows are held in memory.
 */
export async function readArchive(
  source: AsyncIterable<Uint8Array>,
  options: ReadArchiveOptions = {},
): Promise<Map<string, BundleEntry>> {
  const limits: Record<keyof typeof BUNDLE_LIMITS, number> = { ...BUNDLE_LIMITS, ...options.limits };
  const keep = options.keep ?? ((_p: string, size: number) => size <= KEEP_MAX);
  const reader = new ByteReader(source, options.release);
  const files = new Map<string, BundleEntry>();
  const dirs = new Set<string>();
  let total = 0;
  let entries = 0;
  let streaming: ContentSink | null = null;
  try {
    for (;;) {
      const header = await reader.read(BLOCK);
      if (header.length < BLOCK) throw new ArchiveError('ARCHIVE_TRUNCATED', 'the archive ends inside a header');
      if (isZero(header)) {
        const second = await reader.read(BLOCK);
        if (second.length < BLOCK || !isZero(second))
          throw new ArchiveError('ARCHIVE_TRUNCATED', 'the end-of-archive marker is incomplete');
        await expectOnlyZeros(reader);
        return files;
      }
      entries += 1;
      if (entries > limits.maxEntries)
        throw new ArchiveError('ARCHIVE_TOO_MANY', `more than ${limits.maxEntries} entries`);
      const h = parseHeader(header);
      checkPath(h.path, limits.maxPathBytes);
      if (h.type === 'dir') {
        const dir = h.path.replace(/\/$/, '');
        if (files.has(dir)) throw new ArchiveError('ARCHIVE_DUPLICATE', `${dir} is both a file and a directory`);
        dirs.add(dir);
        if (h.size !== 0) throw new ArchiveError('ARCHIVE_HEADER', `directory ${h.path} declares content`);
        continue;
      }
      if (h.size > limits.maxFileBytes)
        throw new ArchiveError(
          'ARCHIVE_OVERSIZED',
          `${h.path} declares ${h.size} bytes (limit ${limits.maxFileBytes})`,
        );
      total += h.size;
      if (total > limits.maxTotalBytes)
        throw new ArchiveError('ARCHIVE_OVERSIZED', `the entries declare more than ${limits.maxTotalBytes} bytes`);
      if (files.has(h.path) || dirs.has(h.path))
        throw new ArchiveError('ARCHIVE_DUPLICATE', `${h.path} appears twice in the archive`);
      for (const parent of parents(h.path))
        if (files.has(parent)) throw new ArchiveError('ARCHIVE_DUPLICATE', `${parent} is both a file and a directory`);
      const sink = options.stream?.(h.path, h.size) ?? null;
      streaming = sink;
      files.set(h.path, await readContent(reader, h.path, h.size, keep(h.path, h.size), sink));
      streaming = null;
      sink?.end();
      options.onEntry?.(h.path, files);
    }
  } catch (error) {
    streaming?.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

interface Header {
  readonly path: string;
  readonly size: number;
  readonly type: 'file' | 'dir';
}

function parseHeader(h: Buffer): Header {
  const stored = parseOctal(h, 148, 8);
  if (stored === null || stored !== headerChecksum(h))
    throw new ArchiveError('ARCHIVE_HEADER', 'a header checksum does not match (not a tar archive, or damaged)');
  // POSIX ustar: magic "ustar\0" and version "00". GNU's "ustar  \0" header carries GNU extensions.
  if (h.toString('latin1', 257, 263) !== 'ustar\u0000' || h.toString('latin1', 263, 265) !== '00')
    throw new ArchiveError('ARCHIVE_HEADER', 'not a POSIX ustar header');
  const name = field(h, 0, 100);
  const prefix = field(h, 345, 155);
  const path = prefix === '' ? name : `${prefix}/${name}`;
  const flag = String.fromCharCode(h[156] ?? 0);
  const size = parseOctal(h, 124, 12);
  if (size === null) throw new ArchiveError('ARCHIVE_HEADER', `${path}: the size field is not octal`);
  switch (flag) {
    case '0':
    case '\u0000':
      return { path, size, type: 'file' };
    case '5':
      return { path, size, type: 'dir' };
    case '1':
      throw new ArchiveError('ARCHIVE_LINK', `${path} is a hard link; a bundle holds regular files only`);
    case '2':
      throw new ArchiveError('ARCHIVE_LINK', `${path} is a symbolic link; a bundle holds regular files only`);
    default:
      throw new ArchiveError(
        'ARCHIVE_ENTRY_TYPE',
        `${path} has entry type ${JSON.stringify(flag)} (device, fifo or extension header); a bundle holds regular files only`,
      );
  }
}

function checkPath(path: string, maxBytes: number): void {
  if (path.startsWith('/')) throw new ArchiveError('ARCHIVE_ABSOLUTE', `${JSON.stringify(path)} is an absolute path`);
  const parts = path.replace(/\/$/, '').split('/');
  if (parts.includes('..'))
    throw new ArchiveError('ARCHIVE_TRAVERSAL', `${JSON.stringify(path)} climbs out of the bundle (..)`);
  if (Buffer.byteLength(path) > maxBytes || !SAFE_PATH.test(path) || parts.some((p) => p === '' || p === '.'))
    throw new ArchiveError('ARCHIVE_PATH', `${JSON.stringify(path)} is not a plain bundle path`);
}

async function readContent(
  reader: ByteReader,
  path: string,
  size: number,
  keep: boolean | 'pieces',
  sink: ContentSink | null,
): Promise<BundleEntry> {
  const hash = createHash('sha256');
  // Kept as one buffer, the content is copied once as it passes (a small kept file pins no larger
  // buffer, and the source may reuse its memory); kept as pieces, the views are kept instead, uncopied,
  // and the reader never gives their chunks back to the source; handed to a sink only, they are lent
  // to it until it says it is done with them.
  const bytes = keep === true ? Buffer.allocUnsafe(size) : null;
  const pieces: Buffer[] = [];
  let left = size;
  while (left > 0) {
    const n = Math.min(left, READ_CHUNK);
    const { view: chunk, giveBack } =
      sink !== null && keep !== 'pieces'
        ? await reader.lend(n)
        : { view: await reader.readSome(n, keep === 'pieces'), giveBack: undefined };
    if (chunk.length === 0)
      throw new ArchiveError('ARCHIVE_TRUNCATED', `${path} is cut short: ${left} of ${size} bytes missing`);
    hash.update(chunk);
    if (bytes !== null) chunk.copy(bytes, size - left);
    if (keep === 'pieces') pieces.push(chunk);
    // Counted first: a sink may give the bytes back within write, and a released slab is detached.
    left -= chunk.length;
    if (sink !== null) await sink.write(chunk, giveBack);
  }
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad > 0 && (await reader.read(pad)).length < pad)
    throw new ArchiveError('ARCHIVE_TRUNCATED', `the archive ends inside ${path}'s padding`);
  const sha256 = hash.digest('hex');
  if (keep === 'pieces') return { size, sha256, bytes: null, pieces };
  return { size, sha256, bytes };
}

/** After the marker only zero padding may follow (tar pads to its record size). */
async function expectOnlyZeros(reader: ByteReader): Promise<void> {
  for (;;) {
    const chunk = await reader.readSome(READ_CHUNK);
    if (chunk.length === 0) return;
    if (!isZero(chunk)) throw new ArchiveError('ARCHIVE_HEADER', 'data follows the end-of-archive marker');
  }
}

function field(h: Buffer, offset: number, width: number): string {
  const raw = h.subarray(offset, offset + width);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? width : nul).toString('latin1');
}

/** Octal digits, optionally space/NUL padded; null for anything else (including GNU base-256 sizes). */
function parseOctal(h: Buffer, offset: number, width: number): number | null {
  const text = field(h, offset, width).trim();
  if (!/^[0-7]{1,12}$/.test(text)) return null;
  return parseInt(text, 8);
}

function isZero(b: Buffer): boolean {
  for (const byte of b) if (byte !== 0) return false;
  return true;
}

function parents(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
