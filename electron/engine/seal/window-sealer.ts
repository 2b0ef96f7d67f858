import type { Database, Statement } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type {
  ChainRecordBody,
  EventsSummary,
  GapReason,
  MediaSummary,
  RedactionStatement,
} from '../../common/model/chain.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { canonicalJson } from './canonical-json.ts';
import type { ChainStore, StoredChainRecord } from './chain-store.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { leafHash, merkleRoot } from './merkle.ts';

interface SessionRow {
  id: string;
  kind: string;
  agent: string;
  agent_session_id: string;
  started_at: string;
  ended_at: string | null;
  chain_final: number;
  sealed_seq: number;
  event_count: number;
  sealed_media: number;
  media_count: number;
}

interface UnsealedRow {
  seq: number;
  digest: Buffer;
}

interface UnsealedMediaRow {
  seq: number;
  leaf: Buffer;
}

/** The open window of a session as the writer saw it: its event range and incremental Merkle root. */
export interface OpenWindow {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly root: Buffer;
}

/** Where the sealer gets open windows without re-reading them (the event writer). */
export interface OpenWindows {
  peek(sessionId: string): OpenWindow | undefined;
  close(sessionId: string): void;
}

/** The sessions whose content redaction applies to (agent events and transcripts, terminal headers). */
const REDACTED_KINDS = new Set(['agent', 'terminal']);

const EMPTY_WINDOW: EventsSummary = { count: 0, firstSeq: null, lastSeq: null, root: merkleRoot([]).toString('hex') };

export interface SealedListener {
  (record: StoredChainRecord): void;
}

/**
 * Cuts sessions into windows and seals each one into the chain (DESIGN.md §5, invariant I2): the
 * window's events become a Merkle root, the record links to the previous one, the device signs it and
 * the TSA queue is told. One transaction per record: a record and the events it seals are marked together.
 * Idle sessions produce no empty records; the next record's `from` still starts where the last ended.
 */
export class WindowSealer {
  readonly #db: Database;
  readonly #chain: ChainStore;
  readonly #device: DeviceIdentity;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onSealed: SealedListener;
  readonly #windows: OpenWindows | undefined;
  readonly #unsealed: Statement<[{ s: string }], UnsealedRow>;
  readonly #unsealedMedia: Statement<[{ s: string }], UnsealedMediaRow>;
  readonly #session: Statement<[string], SessionRow>;
  /**
   * The redaction in force when the content now being sealed was received, stated in each window record
   * of agent and terminal sessions (docs/redaction.md "On the chain"); null: unknown, left out. The
   * engine sets the previous run's while it seals what that run left, then its own.
   */
  redaction: RedactionStatement | null = null;

  constructor(
    db: Database,
    chain: ChainStore,
    device: DeviceIdentity,
    clock: Clock,
    logger: Logger,
    onSealed: SealedListener,
    windows?: OpenWindows,
  ) {
    this.#windows = windows;
    this.#db = db;
    this.#chain = chain;
    this.#device = device;
    this.#clock = clock;
    this.#logger = logger;
    this.#onSealed = onSealed;
    this.#unsealed = db.prepare(
      'SELECT seq, digest FROM events WHERE session_id = @s AND seq > (SELECT sealed_seq FROM sessions WHERE id = @s) ORDER BY seq',
    );
    this.#unsealedMedia = db.prepare(
      'SELECT seq, leaf FROM media WHERE session_id = @s AND seq > (SELECT sealed_media FROM sessions WHERE id = @s) ORDER BY seq',
    );
    this.#session = db.prepare(
      `SELECT id, kind, agent, agent_session_id, started_at, ended_at, chain_final, sealed_seq, event_count, sealed_media,
              media_count FROM sessions WHERE id = ?`,
    );
  }

  /** Seals every session that has unsealed events, and finishes the chains of ended sessions. */
  sealDue(): StoredChainRecord[] {
    const ids = this.#db
      .prepare<[], { session_id: string }>(
        `SELECT id AS session_id FROM sessions
          WHERE event_count > sealed_seq OR media_count > sealed_media OR (ended_at IS NOT NULL AND chain_final = 0)`,
      )
      .all()
      .map((r) => r.session_id);
    const sealed: StoredChainRecord[] = [];
    for (const id of ids) {
      const r = this.sealWindow(id);
      if (r !== null) sealed.push(r);
    }
    return sealed;
  }

  /** Seals what a session has not sealed yet; the record is final when the session has ended. */
  sealWindow(sessionId: string, allowFinal = true, endMs?: number): StoredChainRecord | null {
    const record = this.#db.transaction(() => {
      const session = this.#mustSession(sessionId);
      if (session.chain_final === 1) return null;
      const final = allowFinal && session.ended_at !== null;
      const summary = this.#openWindow(session);
      const media = this.#openMedia(session);
      if (summary.count === 0 && media.count === 0 && !final) return null;
      const stored = this.#append(session, 'window', summary, media, null, final, endMs);
      this.#windows?.close(sessionId);
      if (summary.lastSeq !== null) {
        this.#db.prepare('UPDATE sessions SET sealed_seq = ? WHERE id = ?').run(summary.lastSeq, sessionId);
      }
      if (media.lastSeq !== null) {
        this.#db.prepare('UPDATE sessions SET sealed_media = ? WHERE id = ?').run(media.lastSeq, sessionId);
      }
      if (final) this.#db.prepare('UPDATE sessions SET chain_final = 1 WHERE id = ?').run(sessionId);
      return stored;
    })();
    if (record !== null) this.#onSealed(record);
    return record;
  }

  /**
   * Puts a hole on record (invariant I4): seals pending events first, then a signed gap record from the
   * end of the last record to now, with its reason.
   */
  recordGap(sessionId: string, reason: GapReason, detail: string | null): StoredChainRecord {
    const session = this.#mustSession(sessionId);
    if (session.chain_final === 1) throw new AevError('E_INTERNAL', `session ${sessionId} is sealed for good`);
    // Pending events are sealed first (never as the final record: the gap still has to follow).
    const s = this.#mustSession(sessionId);
    if (s.event_count > s.sealed_seq || s.media_count > s.sealed_media) this.sealWindow(sessionId, false);
    const record = this.#db.transaction(() =>
      this.#append(this.#mustSession(sessionId), 'gap', EMPTY_WINDOW, EMPTY_WINDOW, { reason, detail }, false),
    )();
    this.#onSealed(record);
    this.#logger.info('gap recorded', { sessionId, reason });
    return record;
  }

  #append(
    session: SessionRow,
    kind: 'window' | 'gap',
    events: EventsSummary,
    media: MediaSummary,
    gap: ChainRecordBody['gap'],
    final: boolean,
    endMs?: number,
  ): StoredChainRecord {
    const last = this.#chain.last(session.id);
    const nowMs = this.#clock.now();
    const from = last?.body.to ?? session.started_at;
    let to = new Date(Math.min(endMs ?? nowMs, nowMs)).toISOString();
    if (to < from) {
      // The wall clock went back: never let coverage run backwards; the jump is visible as sealedAt < to.
      this.#logger.warn('wall clock is behind the last sealed window', { sessionId: session.id, from, now: to });
      to = from;
    }
    const body: ChainRecordBody = {
      v: 1,
      kind,
      sessionId: session.id,
      agent: session.agent,
      agentSessionId: session.agent_session_id,
      seq: (last?.stored.seq ?? 0) + 1,
      prev: last === null ? null : last.stored.recordHash.toString('hex'),
      device: this.#device.fingerprint,
      from,
      to,
      sealedAt: new Date(nowMs).toISOString(),
      events,
      media,
      gap: gap === null ? null : { reason: gap.reason, detail: gap.detail?.toWellFormed() ?? null },
      final,
      ...(kind === 'window' && this.redaction !== null && REDACTED_KINDS.has(session.kind)
        ? { redaction: this.redaction }
        : {}),
    };
    const bytes = canonicalJson(body);
    const stored: StoredChainRecord = {
      sessionId: session.id,
      seq: body.seq,
      kind,
      record: bytes,
      recordHash: createHash('sha256').update(bytes).digest(),
      signature: this.#device.sign(bytes),
      sealedAt: body.sealedAt,
    };
    this.#chain.insert(stored);
    return stored;
  }

  /**
   * The events from the last sealed one to the newest: from the writer's incremental accumulator when
   * it covers exactly that range (the normal case: O(1) here), else recomputed from the index (after a
   * restart, or when the writer never saw the start of the window).
   */
  #openWindow(session: SessionRow): EventsSummary {
    const firstSeq = session.sealed_seq + 1;
    const lastSeq = session.event_count;
    if (lastSeq < firstSeq) return EMPTY_WINDOW;
    const w = this.#windows?.peek(session.id);
    if (w?.firstSeq === firstSeq && w.lastSeq === lastSeq) {
      return { count: lastSeq - firstSeq + 1, firstSeq, lastSeq, root: w.root.toString('hex') };
    }
    const rows = this.#unsealed.all({ s: session.id });
    return {
      count: rows.length,
      firstSeq: rows[0]?.seq ?? null,
      lastSeq: rows.at(-1)?.seq ?? null,
      root: merkleRoot(rows.map((e) => leafHash(e.digest))).toString('hex'),
    };
  }

  /** The media items from the last sealed one to the newest (a few per second at most: read from the index). */
  #openMedia(session: SessionRow): MediaSummary {
    if (session.media_count <= session.sealed_media) return EMPTY_WINDOW;
    const rows = this.#unsealedMedia.all({ s: session.id });
    return {
      count: rows.length,
      firstSeq: rows[0]?.seq ?? null,
      lastSeq: rows.at(-1)?.seq ?? null,
      root: merkleRoot(rows.map((m) => leafHash(m.leaf))).toString('hex'),
    };
  }

  #mustSession(id: string): SessionRow {
    const s = this.#session.get(id);
    if (s === undefined) throw new AevError('E_NOT_FOUND', `no session ${id}`);
    return s;
  }
}
