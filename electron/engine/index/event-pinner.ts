import type { Database, Statement } from 'better-sqlite3';
import type { EventPins } from '../../common/model/event.ts';

interface FragmentRow {
  session_id: string;
  start_ms: number;
  end_ms: number;
  descriptor: Buffer;
}

interface FragmentInfo {
  init?: number;
  ptsMs?: number;
}

/**
 * Pins events to the media captured at the same moment (issue: "every event gets its window, its offset
 * into the video, and its position in the terminal recording"). The video offset is the presentation
 * time of the fragment showing that moment plus the time since the fragment began; fragments carry
 * their presentation time (`ptsMs`) and their wall-clock start, so a restart of ffmpeg changes nothing.
 */
export class EventPinner {
  readonly #windows: Statement<[string], { seq: number; record: Buffer }>;
  readonly #fragment: Statement<[{ t: number }], FragmentRow>;
  readonly #terminal: Statement<[string], { id: string; started_at: string }>;

  constructor(db: Database) {
    this.#windows = db.prepare("SELECT seq, record FROM chain_records WHERE session_id = ? AND kind = 'window'");
    // The newest fragment of any screen recording that began at or before t (and covers it, or ended
    // less than a second before: variable frame rate holds the last frame until the next one).
    this.#fragment = db.prepare(
      `SELECT m.session_id, m.start_ms, m.end_ms, m.descriptor FROM media m JOIN sessions s ON s.id = m.session_id
        WHERE s.kind = 'screen' AND m.kind = 'video-fragment' AND m.start_ms <= @t AND m.end_ms + 1000 >= @t
        ORDER BY m.start_ms DESC LIMIT 1`,
    );
    this.#terminal = db.prepare(
      "SELECT id, started_at FROM sessions WHERE kind = 'terminal' AND agent_session_id = ? ORDER BY started_at DESC LIMIT 1",
    );
  }

  /** A function pinning each event of one session (reads the session's windows once). */
  forSession(sessionId: string): (event: { seq: number; receivedAt: string; terminalId: string | null }) => EventPins {
    const ranges = this.#windows.all(sessionId).map((r) => {
      const body = JSON.parse(r.record.toString('utf8')) as {
        events: { firstSeq: number | null; lastSeq: number | null };
      };
      return { seq: r.seq, first: body.events.firstSeq, last: body.events.lastSeq };
    });
    return (e) => {
      const t = Date.parse(e.receivedAt);
      const window = ranges.find((r) => r.first !== null && r.last !== null && e.seq >= r.first && e.seq <= r.last);
      return { window: window?.seq ?? null, video: this.#video(t), terminal: this.#terminalAt(e.terminalId, t) };
    };
  }

  /** The screen recording and video offset showing wall-clock time `t`, if any fragment covers it. */
  videoAt(t: number): EventPins['video'] {
    return this.#video(t);
  }

  #video(t: number): EventPins['video'] {
    const f = this.#fragment.get({ t });
    if (f === undefined) return null;
    const info = (JSON.parse(f.descriptor.toString('utf8')) as { info: FragmentInfo }).info;
    if (info.init === undefined || info.ptsMs === undefined) return null;
    return { recording: f.session_id, init: info.init, offsetMs: Math.round(info.ptsMs + (t - f.start_ms)) };
  }

  #terminalAt(terminalId: string | null, t: number): EventPins['terminal'] {
    if (terminalId === null) return null;
    const s = this.#terminal.get(terminalId);
    if (s === undefined) return null;
    return { session: s.id, atSeconds: Math.max(0, (t - Date.parse(s.started_at)) / 1000) };
  }
}
