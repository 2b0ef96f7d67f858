import type { Database, Statement } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody, GapReason } from '../../common/model/chain.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { canonicalJson } from './canonical-json.ts';
import type { ChainStore, StoredChainRecord } from './chain-store.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { leafHash, merkleRoot } from './merkle.ts';

interface SessionRow {
  id: string;
  agent: string;
  agent_session_id: string;
  started_at: string;
  ended_at: string | null;
  chain_final: number;
}

interface UnsealedRow {
  seq: number;
  digest: Buffer;
}

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
  readonly #unsealed: Statement<[{ s: string }], UnsealedRow>;
  readonly #markSealed: Statement;
  readonly #session: Statement<[string], SessionRow>;

  constructor(
    db: Database,
    chain: ChainStore,
    device: DeviceIdentity,
    clock: Clock,
    logger: Logger,
    onSealed: SealedListener,
  ) {
    this.#db = db;
    this.#chain = chain;
    this.#device = device;
    this.#clock = clock;
    this.#logger = logger;
    this.#onSealed = onSealed;
    this.#unsealed = db.prepare(
      'SELECT seq, digest FROM events WHERE session_id = @s AND seq > (SELECT sealed_seq FROM sessions WHERE id = @s) ORDER BY seq',
    );
    this.#markSealed = db.prepare(
      'UPDATE events SET window_seq = @w WHERE session_id = @s AND seq > (SELECT sealed_seq FROM sessions WHERE id = @s) AND seq <= @last',
    );
    this.#session = db.prepare(
      'SELECT id, agent, agent_session_id, started_at, ended_at, chain_final FROM sessions WHERE id = ?',
    );
  }

  /** Seals every session that has unsealed events, and finishes the chains of ended sessions. */
  sealDue(): StoredChainRecord[] {
    const ids = this.#db
      .prepare<[], { session_id: string }>(
        `SELECT id AS session_id FROM sessions
          WHERE event_count > sealed_seq OR (ended_at IS NOT NULL AND chain_final = 0)`,
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
  sealWindow(sessionId: string, allowFinal = true): StoredChainRecord | null {
    const record = this.#db.transaction(() => {
      const session = this.#mustSession(sessionId);
      if (session.chain_final === 1) return null;
      const final = allowFinal && session.ended_at !== null;
      const events = this.#unsealed.all({ s: sessionId });
      if (events.length === 0 && !final) return null;
      const stored = this.#append(session, 'window', events, null, final);
      const lastSeq = events.at(-1)?.seq;
      if (lastSeq !== undefined) {
        this.#markSealed.run({ w: stored.seq, s: sessionId, last: lastSeq });
        this.#db.prepare('UPDATE sessions SET sealed_seq = ? WHERE id = ?').run(lastSeq, sessionId);
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
    if (this.#unsealed.all({ s: sessionId }).length > 0) this.sealWindow(sessionId, false);
    const record = this.#db.transaction(() =>
      this.#append(this.#mustSession(sessionId), 'gap', [], { reason, detail }, false),
    )();
    this.#onSealed(record);
    this.#logger.info('gap recorded', { sessionId, reason });
    return record;
  }

  #append(
    session: SessionRow,
    kind: 'window' | 'gap',
    events: readonly UnsealedRow[],
    gap: ChainRecordBody['gap'],
    final: boolean,
  ): StoredChainRecord {
    const last = this.#chain.last(session.id);
    const nowMs = this.#clock.now();
    const from = last?.body.to ?? session.started_at;
    let to = new Date(nowMs).toISOString();
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
      events: {
        count: events.length,
        firstSeq: events[0]?.seq ?? null,
        lastSeq: events.at(-1)?.seq ?? null,
        root: merkleRoot(events.map((e) => leafHash(e.digest))).toString('hex'),
      },
      gap,
      final,
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

  #mustSession(id: string): SessionRow {
    const s = this.#session.get(id);
    if (s === undefined) throw new AevError('E_NOT_FOUND', `no session ${id}`);
    return s;
  }
}
