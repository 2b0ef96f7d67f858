import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isAevError } from '../../common/errors.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { MediaRedaction } from '../redact/media-redaction.ts';
import type { MediaStore } from './media-store.ts';

export interface TranscriptCaptureOptions {
  /** The most one event reads; the rest of a long append comes with the next event. Default 8 MiB. */
  readonly maxChunkBytes?: number;
  /** Secrets in the appended lines are replaced before storage (docs/redaction.md); absent: stored as read. */
  readonly redaction?: MediaRedaction | undefined;
}

const DEFAULT_MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;
// O_NOFOLLOW: a symlink swapped in after the lstat check fails the open. O_NONBLOCK: a FIFO swapped in
// cannot block the open. Windows has neither (open(2) flags); there the lstat check stands alone.
const OPEN_FLAGS =
  process.platform === 'win32'
    ? fs.constants.O_RDONLY
    : fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

interface Tracked {
  /** The transcript read so far, null until this engine has seen a valid path for the session. */
  path: string | null;
  /** File identity of what was read, so a file replaced at the same path starts over. */
  file: { readonly dev: number; readonly ino: number } | null;
  /** Bytes of the file already stored: always just after a newline (JSONL), or 0. */
  offset: number;
  /** The next stored chunk starts the file over (it shrank, was replaced, or the path changed). */
  restarted: boolean;
  /** Reads owed: one per event; events that arrive during a read only raise the count. */
  owed: number;
  /** The path the newest event named. */
  wanted: unknown;
  running: Promise<void> | null;
  /** Problems already logged for this session (one warning each, not one per event). */
  readonly warned: Set<string>;
}

type Refusal = 'not-a-path' | 'not-absolute' | 'not-jsonl' | 'missing' | 'not-a-regular-file';

/**
 * Captures agent transcripts (DESIGN.md §4): a hook payload carries `transcript_path`, a JSONL file the
 * agent appends to; on each event the engine stores what was appended since the previous one as a
 * media item of kind "transcript", encrypted and sealed in the session's next window like every other
 * captured byte (I1, I2). Only complete lines are taken; a partial last line waits for the next event.
 * The chunks of a session, concatenated in seq order from the last `restarted` one, are the file's
 * complete lines byte for byte, except lines that held a secret: those are stored redacted
 * (docs/redaction.md) and the chunk's `info.redactions` says so. Reading never delays the event's acknowledgement (I7).
 */
export class TranscriptCapture {
  readonly #media: MediaStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #maxChunkBytes: number;
  readonly #redaction: MediaRedaction | undefined;
  readonly #sessions = new Map<string, Tracked>();

  constructor(media: MediaStore, clock: Clock, logger: Logger, options: TranscriptCaptureOptions = {}) {
    this.#media = media;
    this.#clock = clock;
    this.#logger = logger;
    this.#maxChunkBytes = options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
    this.#redaction = options.redaction;
  }

  /** An agent event arrived for `sessionId`; `transcriptPath` is the payload's field as sent. Never throws. */
  onEvent(sessionId: string, transcriptPath: unknown): void {
    // An agent that sends no transcript path has no transcript: nothing to read, nothing to warn about.
    if (transcriptPath === undefined || transcriptPath === null) return;
    let s = this.#sessions.get(sessionId);
    if (s === undefined) {
      s = {
        path: null,
        file: null,
        offset: 0,
        restarted: false,
        owed: 0,
        wanted: null,
        running: null,
        warned: new Set(),
      };
      this.#sessions.set(sessionId, s);
    }
    s.wanted = transcriptPath;
    s.owed += 1;
    if (s.running === null) {
      const tracked = s;
      tracked.running = this.#drain(sessionId, tracked)
        .catch(() => undefined) // only a throwing logger gets here; the caller must never see it
        .finally(() => {
          tracked.running = null;
        });
    }
  }

  /** Resolves once every read asked for so far is stored (or has failed and been logged). */
  async flush(): Promise<void> {
    for (;;) {
      const running = [...this.#sessions.values()].flatMap((s) => (s.running === null ? [] : [s.running]));
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /**
   * One session's reads, strictly one after the other: its media are added in capture order. Every read
   * owed so far is taken in one pass (one path check, one open, up to one chunk per event owed): a busy
   * agent's events arrive faster than a read ends, and a check per event cost the engine thread more
   * than storing the event (a failed lstat alone is ~40 µs of CPU, docs/performance.md).
   */
  async #drain(sessionId: string, s: Tracked): Promise<void> {
    // Let the caller answer the agent first: the read happens after the current I/O turn.
    await new Promise((resolve) => setImmediate(resolve));
    while (s.owed > 0) {
      const chunks = s.owed;
      s.owed = 0;
      try {
        await this.#readOnce(sessionId, s, s.wanted, chunks);
      } catch (error) {
        const code = isAevError(error) ? error.code : 'E_IO';
        this.#warnOnce(sessionId, s, code, 'cannot capture the agent transcript', {
          code,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /** Checks the path once, then stores up to `chunks` chunks of what was appended (fewer when it ends sooner). */
  async #readOnce(sessionId: string, s: Tracked, wanted: unknown, chunks: number): Promise<void> {
    const verdict = await checkPath(wanted);
    if (!verdict.ok) {
      // The path is logged only when it is one (a path is what the agent told every hook anyway).
      const shown = typeof wanted === 'string' ? { path: wanted } : {};
      this.#warnOnce(sessionId, s, verdict.reason, 'transcript path refused', { reason: verdict.reason, ...shown });
      return;
    }
    const checked = verdict.path;
    if (s.path === null) this.#resume(sessionId, s);
    else if (s.path !== checked) this.#startOver(s);
    s.path = checked;
    const handle = await fsp.open(checked, OPEN_FLAGS);
    try {
      for (let n = 0; n < chunks; n++) if (!(await this.#readChunk(sessionId, s, handle, checked))) return;
    } finally {
      await handle.close();
    }
  }

  /** Stores the next chunk of complete lines from the open transcript; false when there was none. */
  async #readChunk(sessionId: string, s: Tracked, handle: fsp.FileHandle, checked: string): Promise<boolean> {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      this.#warnOnce(sessionId, s, 'not-a-regular-file', 'transcript path refused', {
        reason: 'not-a-regular-file',
        path: checked,
      });
      return false;
    }
    if (s.file !== null && (s.file.dev !== stat.dev || s.file.ino !== stat.ino)) this.#startOver(s);
    if (stat.size < s.offset) this.#startOver(s);
    s.file = { dev: stat.dev, ino: stat.ino };
    const want = Math.min(stat.size - s.offset, this.#maxChunkBytes);
    if (want <= 0) return false;
    const read = await readAt(handle, s.offset, want);
    const lastNewline = read.lastIndexOf(NEWLINE);
    // A line longer than a whole chunk would otherwise stall the capture for good: it is stored split.
    const split = lastNewline < 0 && read.length === this.#maxChunkBytes;
    const length = split ? read.length : lastNewline + 1;
    if (length === 0) return false;
    const now = this.#clock.now();
    // offset and length stay positions in the FILE (where the next read starts); a redacted chunk's
    // stored bytes are shorter or longer than `length`, and info.redactions says why.
    const redacted = this.#redaction?.jsonl(read.subarray(0, length));
    const info: Record<string, number | boolean | string> = { offset: s.offset, length };
    if (s.restarted) info.restarted = true;
    if (split) info.splitLine = true;
    if (redacted !== undefined && redacted.info !== null) info.redactions = redacted.info;
    await this.#media.add(sessionId, {
      kind: 'transcript',
      bytes: redacted?.value ?? read.subarray(0, length),
      startMs: now,
      endMs: now,
      info,
    });
    s.offset += length;
    s.restarted = false;
    return true;
  }

  /**
   * First sight of a session in this engine: carry on after what an earlier engine stored, so a restart
   * neither repeats nor skips bytes. The last transcript item says where it ended (offset + length);
   * a file shorter than that is caught by the size check and starts over.
   */
  #resume(sessionId: string, s: Tracked): void {
    const last = this.#media
      .list(sessionId)
      .filter((m) => m.kind === 'transcript')
      .at(-1);
    if (last === undefined) return;
    const { offset, length } = last.info;
    if (typeof offset === 'number' && typeof length === 'number') s.offset = offset + length;
  }

  #startOver(s: Tracked): void {
    s.offset = 0;
    s.file = null;
    s.restarted = true;
  }

  #warnOnce(sessionId: string, s: Tracked, problem: string, message: string, fields: Record<string, unknown>): void {
    if (s.warned.has(problem)) return;
    s.warned.add(problem);
    this.#logger.warn(message, { sessionId, ...fields });
  }
}

/** The path when it may be read: an absolute `.jsonl` path to a regular file, not a symlink or device. */
async function checkPath(
  value: unknown,
): Promise<{ readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: Refusal }> {
  const refuse = (reason: Refusal) => ({ ok: false, reason }) as const;
  if (typeof value !== 'string' || value === '' || value.includes('\0')) return refuse('not-a-path');
  if (!path.isAbsolute(value)) return refuse('not-absolute');
  if (!value.endsWith('.jsonl')) return refuse('not-jsonl');
  let stat: fs.Stats;
  try {
    stat = await fsp.lstat(value);
  } catch {
    return refuse('missing');
  }
  return stat.isFile() ? { ok: true, path: value } : refuse('not-a-regular-file');
}

/** Reads exactly `length` bytes at `position`, or fewer when the file ends sooner. */
async function readAt(handle: fsp.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
