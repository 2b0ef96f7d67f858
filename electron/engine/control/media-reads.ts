import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { SessionKind } from '../../common/model/media.ts';
import type { StillAnswer, TerminalCast, VideoIndex, VideoInitSpan } from '../../common/protocol/control-answers.ts';
import type { MediaStore } from '../capture/media-store.ts';
import { assertNotPurged } from '../retention/purged-session.ts';

// Answers are single JSON lines; a cast beyond this is cut at a line boundary and says so.
const MAX_CAST_BYTES = 32 * 1024 * 1024;

interface MediaRow {
  seq: number;
  kind: string;
  start_ms: number;
  end_ms: number;
  bytes: number;
  descriptor: Buffer;
}

type Info = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Reads captured media back for the owner's own view (the desktop app): the layout of a screen
 * recording, a terminal's cast, the stills of a tool event. Every byte comes out of the vault through
 * MediaStore.read, which checks it against its sealed SHA-256 (invariant I5) and never writes it anywhere.
 */
export class MediaReads {
  readonly #db: Database;
  readonly #media: MediaStore;

  constructor(db: Database, media: MediaStore) {
    this.#db = db;
    this.#media = media;
  }

  /** The init segments of a screen recording and the span of fragments each one starts. */
  videoIndex(recording: string): VideoIndex {
    this.#session(recording, 'screen');
    const rows = this.#rows(recording, "kind IN ('video-init', 'video-fragment')");
    const spans = new Map<number, { span: Mutable<VideoInitSpan>; startMs: number; endMs: number }>();
    const inits = new Map<number, Info>();
    for (const r of rows) {
      const info = infoOf(r);
      if (r.kind === 'video-init') {
        inits.set(r.seq, info);
        continue;
      }
      const init = Number(info.init);
      const pts = typeof info.ptsMs === 'number' ? info.ptsMs : 0;
      const known = spans.get(init);
      if (known === undefined) {
        const size = inits.get(init) ?? {};
        spans.set(init, {
          startMs: r.start_ms,
          endMs: r.end_ms,
          span: {
            init,
            start: '',
            end: '',
            startPtsMs: pts,
            fragments: 1,
            bytes: r.bytes,
            width: typeof size.width === 'number' ? size.width : null,
            height: typeof size.height === 'number' ? size.height : null,
          },
        });
        continue;
      }
      known.span.fragments += 1;
      known.span.bytes += r.bytes;
      known.endMs = Math.max(known.endMs, r.end_ms);
    }
    const out = [...spans.values()]
      .sort((a, b) => a.startMs - b.startMs)
      .map((s) => ({ ...s.span, start: iso(s.startMs), end: iso(s.endMs) }));
    return { recording, inits: out };
  }

  /** The terminal session's asciicast v2: its chunks concatenated in seq order are the .cast file. */
  async terminalCast(session: string): Promise<TerminalCast> {
    const startedAt = this.#session(session, 'terminal');
    assertNotPurged(this.#db, session, 'shown (its terminal output)');
    const parts: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for (const r of this.#rows(session, "kind = 'terminal'")) {
      if (size + r.bytes > MAX_CAST_BYTES) {
        truncated = true;
        break;
      }
      const { bytes } = await this.#media.read(session, r.seq);
      parts.push(bytes);
      size += bytes.length;
    }
    return { session, startedAt, cast: Buffer.concat(parts).toString('utf8'), bytes: size, truncated };
  }

  /** The still taken at event `event` (its seq) of agent session `session`, or null when none was. */
  async still(session: string, event: number): Promise<StillAnswer> {
    this.#session(session, 'agent');
    assertNotPurged(this.#db, session, 'shown (its stills)');
    const found = this.#rows(session, "kind = 'still'").find((r) => infoOf(r).event === event);
    if (found === undefined) return { session, event, still: null };
    const info = infoOf(found);
    const { bytes } = await this.#media.read(session, found.seq);
    return {
      session,
      event,
      still: {
        at: typeof info.at === 'string' ? info.at : 'unknown',
        takenAt: iso(found.end_ms),
        width: typeof info.width === 'number' ? info.width : null,
        height: typeof info.height === 'number' ? info.height : null,
        source: info.source === 'video' ? 'video' : 'grab',
        png: bytes.toString('base64'),
      },
    };
  }

  /** Checks the session exists and is of `kind`; answers when it started. */
  #session(id: string, kind: SessionKind): string {
    const row = this.#db
      .prepare<[string], { kind: SessionKind; started_at: string }>(
        'SELECT kind, started_at FROM sessions WHERE id = ?',
      )
      .get(id);
    if (row === undefined) throw new AevError('E_NOT_FOUND', `no session ${id}`, { id });
    if (row.kind !== kind) throw new AevError('E_NOT_FOUND', `session ${id} is not a ${kind} session`, { id });
    return row.started_at;
  }

  #rows(session: string, where: string): MediaRow[] {
    return this.#db
      .prepare<[string], MediaRow>(
        `SELECT seq, kind, start_ms, end_ms, bytes, descriptor FROM media WHERE session_id = ? AND ${where} ORDER BY seq`,
      )
      .all(session);
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function infoOf(r: MediaRow): Info {
  return (JSON.parse(r.descriptor.toString('utf8')) as { info: Info }).info;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
