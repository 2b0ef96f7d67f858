import type { Database, Statement } from 'better-sqlite3';
import { hash } from 'node:crypto';
import { randomBytesFast } from '../runtime/random-pool.ts';
import { MerkleAccumulator } from '../seal/merkle-accumulator.ts';
import { leafHash } from '../seal/merkle.ts';
import type { OpenWindow, OpenWindows } from '../seal/window-sealer.ts';
import { AevError } from '../../common/errors.ts';
import type { ClientKind } from '../../common/model/agent.ts';
import { newId } from '../runtime/ids.ts';
import type { OpenSession, SessionTracker } from '../sessions/session-tracker.ts';
import { sealBytes } from '../vault/aead.ts';
import { EventCrypto } from './event-crypto.ts';
import type { SealedEvent } from './event-crypto.ts';
import type { NormalizedEvent } from './normalize-event.ts';
import { payloadAad, sessionMetaAad } from './payload-aad.ts';

export interface PendingEvent {
  readonly event: NormalizedEvent;
  readonly client: ClientKind;
  readonly receivedAtMs: number;
  readonly receivedMonoUs: number;
}

export interface WrittenEvent {
  readonly eventId: string;
  readonly sessionId: string;
  readonly seq: number;
}

/** One event sequenced and serialized, not yet hashed, encrypted or written. */
interface PreparedEvent {
  readonly pending: PendingEvent;
  readonly session: OpenSession;
  /** The session's row, when this event opened it. */
  readonly newSession: { readonly metaCt: Buffer } | null;
  readonly eventId: string;
  readonly seq: number;
  readonly receivedAt: string;
  /** The stored bytes: our metadata, then the bytes as received. */
  readonly plain: Buffer;
}

/**
 * A batch sequenced on the engine thread (session, seq, id, stored bytes) and waiting for its hashes and
 * ciphertexts. Only `EventWriter.write` turns it into rows; until then the writer's sessions already
 * count its sequence numbers, so no other batch may be prepared before this one is written or failed.
 */
export interface PreparedBatch {
  readonly events: readonly PreparedEvent[];
}

const CLOSE_BRACE = 0x7d;
const TOOL_END_KINDS = new Set(['PostToolUse', 'PostToolUseFailure']);

/**
 * Writes batches of events in one transaction each (group commit). After `writeBatch` returns the batch
 * is durable (SQLite's fsync, synchronous=FULL); after `writeBatchUnsynced` it is durable once the
 * write-ahead log has been flushed (IndexDurability.sync), which the ingest queue awaits before it
 * acknowledges anything.
 */
export class EventWriter implements OpenWindows {
  readonly #db: Database;
  readonly #key: Buffer;
  readonly #sessions: SessionTracker;
  readonly #toolStarts = new Map<string, number>();
  readonly #touched = new Map<string, { at: string; monoUs: number; count: number }>();
  /** The last time stamp formatted, and its text: events of one burst mostly share their millisecond. */
  #isoMs = Number.NaN;
  #iso = '';
  /** Per session, the events since its last sealed window, as an incremental Merkle tree. */
  readonly #windows = new Map<string, { firstSeq: number; lastSeq: number; acc: MerkleAccumulator }>();
  readonly #insertEvent: Statement;
  readonly #insertSession: Statement;
  readonly #touchSession: Statement;
  readonly #endSession: Statement;
  readonly #startTool: Statement;
  readonly #finishTool: Statement;
  readonly #writePrepared: (batch: PreparedBatch, sealed: readonly SealedEvent[]) => WrittenEvent[];
  readonly #skipSync: Statement;
  readonly #restoreSync: Statement;
  #crypto: EventCrypto | null = null;

  constructor(db: Database, fieldKey: Buffer, sessions: SessionTracker) {
    this.#db = db;
    this.#key = fieldKey;
    this.#sessions = sessions;
    this.#insertEvent = db.prepare(
      `INSERT INTO events (id, session_id, seq, agent, kind, tool_name, tool_use_id, received_at, received_mono_us,
         client, terminal_id, digest, payload_bytes, payload_ct, redactions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertSession = db.prepare(
      `INSERT INTO sessions (id, agent, agent_session_id, started_at, last_event_at, last_event_mono_us, meta_ct)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#touchSession = db.prepare(
      `UPDATE sessions SET last_event_at = ?, last_event_mono_us = ?, event_count = event_count + ? WHERE id = ?`,
    );
    this.#endSession = db.prepare(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`);
    this.#startTool = db.prepare(
      `INSERT INTO tool_calls (session_id, tool_use_id, tool_name, pre_event_id, started_at, started_mono_us, outcome)
       VALUES (?, ?, ?, ?, ?, ?, 'pending')
       ON CONFLICT (session_id, tool_use_id) DO UPDATE SET pre_event_id = excluded.pre_event_id,
         started_at = excluded.started_at, started_mono_us = excluded.started_mono_us`,
    );
    // One statement per PostToolUse: pairs with its PreToolUse, or records an orphan when none came.
    this.#finishTool = db.prepare(
      `INSERT INTO tool_calls (session_id, tool_use_id, tool_name, post_event_id, ended_at, duration_ms, outcome)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_id, tool_use_id) DO UPDATE SET post_event_id = excluded.post_event_id,
         ended_at = excluded.ended_at, outcome = excluded.outcome,
         duration_ms = COALESCE(excluded.duration_ms, (julianday(excluded.ended_at) - julianday(tool_calls.started_at)) * 86400000.0)`,
    );
    // The connection's own level is restored after each unsynced batch (the engine opens it FULL).
    const level = Number(db.pragma('synchronous', { simple: true }));
    this.#skipSync = db.prepare('PRAGMA synchronous = NORMAL');
    this.#restoreSync = db.prepare(`PRAGMA synchronous = ${String(level)}`);
    this.#writePrepared = db.transaction((batch: PreparedBatch, sealed: readonly SealedEvent[]) => {
      this.#touched.clear();
      const written = batch.events.map((p, i) => this.#writeOne(p, mustBeSealed(sealed[i])));
      // One update per session per batch, not per event.
      for (const [id, t] of this.#touched) this.#touchSession.run(t.at, t.monoUs, t.count, id);
      this.#touched.clear();
      return written;
    });
  }

  writeBatch(batch: readonly PendingEvent[]): WrittenEvent[] {
    return this.#rollingBack(() => {
      const prepared = this.prepare(batch);
      return this.#writePrepared(prepared, this.sealHere(prepared));
    });
  }

  /**
   * Like `writeBatch`, but the commit does not wait for the disk (synchronous=NORMAL for this one
   * transaction; every other writer on the connection keeps its fsync'd commits). Not durable until the
   * caller has flushed the write-ahead log: see WalSyncer for why that flush makes it as durable as FULL.
   */
  writeBatchUnsynced(batch: readonly PendingEvent[]): WrittenEvent[] {
    return this.#unsynced(() => this.writeBatch(batch));
  }

  /**
   * First half of a write: sequences the batch (sessions, seq, ids) and builds each event's stored
   * bytes, in memory only. `write` (or, after a failure anywhere, the rollback) must follow before the
   * next `prepare`: the sequence numbers are taken from here on.
   */
  prepare(batch: readonly PendingEvent[]): PreparedBatch {
    return this.#rollingBack(() => ({ events: batch.map((p) => this.#prepareOne(p)) }));
  }

  /** Hashes and encrypts a prepared batch on this thread. */
  sealHere(batch: PreparedBatch): SealedEvent[] {
    return batch.events.map((p) => {
      const digest = hash('sha256', p.plain, 'buffer');
      return { digest, leaf: leafHash(digest), ct: sealBytes(this.#key, p.plain, payloadAad(p.eventId)) };
    });
  }

  /**
   * Starts the crypto worker now rather than at the first big batch: the daemon's threads and file
   * descriptors are then what they will stay, and the first burst does not wait for a worker to boot.
   */
  startWorker(): void {
    this.#crypto ??= new EventCrypto(this.#key);
  }

  /** Hashes and encrypts a prepared batch in a worker thread (EventCrypto); rejects if it cannot. */
  sealElsewhere(batch: PreparedBatch): Promise<SealedEvent[]> {
    this.#crypto ??= new EventCrypto(this.#key);
    if (!this.#crypto.usable) return Promise.reject(new AevError('E_INTERNAL', 'the event crypto worker failed'));
    return this.#crypto.seal(
      batch.events.map((p) => p.plain),
      batch.events.map((p) => p.eventId),
    );
  }

  /** Whether `sealElsewhere` may be worth trying (no worker failure so far). */
  get canSealElsewhere(): boolean {
    return this.#crypto?.usable ?? true;
  }

  /**
   * Second half: writes a prepared batch, with its hashes and ciphertexts, in one transaction (unsynced
   * as `writeBatchUnsynced` when asked). On failure everything `prepare` took is rolled back too.
   */
  write(batch: PreparedBatch, sealed: readonly SealedEvent[], unsynced: boolean): WrittenEvent[] {
    const run = (): WrittenEvent[] => this.#rollingBack(() => this.#writePrepared(batch, sealed));
    return unsynced ? this.#unsynced(run) : run();
  }

  /** Ends the worker thread, if one was started. */
  stopWorker(): void {
    this.#crypto?.close();
  }

  #rollingBack<T>(work: () => T): T {
    try {
      return work();
    } catch (cause) {
      // The transaction rolled back: so must the in-memory sequence numbers, open sessions and windows.
      this.#sessions.reload(this.#db);
      this.#windows.clear();
      throw storageError(cause);
    }
  }

  #unsynced<T>(work: () => T): T {
    this.#skipSync.run();
    try {
      return work();
    } finally {
      this.#restoreSync.run();
    }
  }

  /** The open window of a session (OpenWindows, for the sealer). */
  peek(sessionId: string): OpenWindow | undefined {
    const w = this.#windows.get(sessionId);
    return w === undefined ? undefined : { firstSeq: w.firstSeq, lastSeq: w.lastSeq, root: w.acc.root() };
  }

  /** The sealer sealed the window: start a new one with the next event. */
  close(sessionId: string): void {
    this.#windows.delete(sessionId);
  }

  /** Ends a session (SessionEnd or idle timeout); idempotent. */
  endSession(session: OpenSession, reason: 'session-end' | 'idle', atMs: number): void {
    this.#endSession.run(new Date(atMs).toISOString(), reason, session.id);
    this.#sessions.remove(session);
  }

  #prepareOne(p: PendingEvent): PreparedEvent {
    const e = p.event;
    const receivedAt = this.#isoTime(p.receivedAtMs);
    const existing = this.#sessions.find(e.agent, e.agentSessionId);
    const session = existing ?? this.#openSession(p);
    const seq = session.nextSeq;
    const eventId = newId('ev', p.receivedAtMs);
    // What is stored and sealed: our metadata, then the bytes exactly as received (no re-serialization,
    // so the digest is over the agent's own bytes). The salt keeps the clear digest unguessable.
    const meta = {
      v: 1,
      id: eventId,
      sessionId: session.id,
      seq,
      agent: e.agent,
      kind: e.kind,
      toolName: e.toolName,
      toolUseId: e.toolUseId,
      receivedAt,
      receivedMonoUs: p.receivedMonoUs,
      client: p.client,
      terminalId: e.terminalId,
      truncated: e.truncated,
      redactions: e.redactions,
      transport: e.received.transport,
      salt: randomBytesFast(16).toString('base64url'),
    };
    // Assembled in one buffer (not three concatenated): this runs for every event.
    const head = `{"meta":${JSON.stringify(meta)},"received":`;
    const headBytes = Buffer.byteLength(head, 'utf8');
    const plain = Buffer.allocUnsafe(headBytes + e.received.bytes.length + 1);
    plain.write(head, 0, 'utf8');
    e.received.bytes.copy(plain, headBytes);
    plain[plain.length - 1] = CLOSE_BRACE;
    session.nextSeq = seq + 1;
    session.lastEventAtMs = p.receivedAtMs;
    session.lastEventMonoUs = p.receivedMonoUs;
    // The next event of this agent session opens a new one (its row is ended in `#writeOne`).
    if (e.kind === 'SessionEnd') this.#sessions.remove(session);
    const newSession = existing === undefined ? { metaCt: this.#sessionMeta(p, session.id) } : null;
    return { pending: p, session, newSession, eventId, seq, receivedAt, plain };
  }

  #writeOne(prepared: PreparedEvent, sealed: SealedEvent): WrittenEvent {
    const { pending: p, session, eventId, seq, receivedAt, plain } = prepared;
    const e = p.event;
    if (prepared.newSession !== null) {
      this.#insertSession.run(
        session.id,
        e.agent,
        e.agentSessionId,
        receivedAt,
        receivedAt,
        p.receivedMonoUs,
        prepared.newSession.metaCt,
      );
    }
    const window = this.#windows.get(session.id) ?? { firstSeq: seq, lastSeq: seq - 1, acc: new MerkleAccumulator() };
    if (window.lastSeq === seq - 1) {
      window.acc.append(sealed.leaf);
      window.lastSeq = seq;
      this.#windows.set(session.id, window);
    }
    this.#insertEvent.run(
      eventId,
      session.id,
      seq,
      e.agent,
      e.kind,
      e.toolName,
      e.toolUseId,
      receivedAt,
      p.receivedMonoUs,
      p.client,
      e.terminalId,
      sealed.digest,
      plain.length,
      sealed.ct,
      e.redactions === null ? null : JSON.stringify(e.redactions),
    );
    const touched = this.#touched.get(session.id);
    if (touched === undefined) this.#touched.set(session.id, { at: receivedAt, monoUs: p.receivedMonoUs, count: 1 });
    else {
      touched.at = receivedAt;
      touched.monoUs = p.receivedMonoUs;
      touched.count += 1;
    }
    this.#pairToolCall(session.id, e, eventId, receivedAt, p.receivedMonoUs);
    if (e.kind === 'SessionEnd')
      this.#endSession.run(new Date(p.receivedAtMs).toISOString(), 'session-end', session.id);
    return { eventId, sessionId: session.id, seq };
  }

  #isoTime(ms: number): string {
    if (ms !== this.#isoMs) {
      this.#iso = new Date(ms).toISOString();
      this.#isoMs = ms;
    }
    return this.#iso;
  }

  /** A new session for the event's agent session, in memory (its row is written with the event). */
  #openSession(p: PendingEvent): OpenSession {
    const e = p.event;
    const session: OpenSession = {
      id: newId('s', p.receivedAtMs),
      agent: e.agent,
      agentSessionId: e.agentSessionId,
      nextSeq: 1,
      lastEventAtMs: p.receivedAtMs,
      lastEventMonoUs: p.receivedMonoUs,
    };
    this.#sessions.add(session);
    return session;
  }

  #sessionMeta(p: PendingEvent, sessionId: string): Buffer {
    const e = p.event;
    const meta = { cwd: e.payload.cwd ?? null, transcriptPath: e.payload.transcript_path ?? null };
    return sealBytes(this.#key, Buffer.from(JSON.stringify(meta), 'utf8'), sessionMetaAad(sessionId));
  }

  #pairToolCall(sessionId: string, e: NormalizedEvent, eventId: string, at: string, monoUs: number): void {
    if (e.toolUseId === null) return;
    const key = `${sessionId}\u0000${e.toolUseId}`;
    if (e.kind === 'PreToolUse') {
      this.#startTool.run(sessionId, e.toolUseId, e.toolName ?? 'unknown', eventId, at, monoUs);
      this.#toolStarts.set(key, monoUs);
      return;
    }
    if (!TOOL_END_KINDS.has(e.kind)) return;
    const outcome = e.kind === 'PostToolUse' ? 'success' : 'failure';
    const startMono = this.#toolStarts.get(key);
    this.#toolStarts.delete(key);
    // Same daemon run: monotonic difference (immune to wall-clock jumps); otherwise wall clock.
    const monoMs = startMono === undefined ? null : (monoUs - startMono) / 1000;
    this.#finishTool.run(sessionId, e.toolUseId, e.toolName ?? 'unknown', eventId, at, monoMs, outcome);
  }
}

function mustBeSealed(s: SealedEvent | undefined): SealedEvent {
  if (s === undefined) throw new AevError('E_INTERNAL', 'an event of the batch was not hashed and encrypted');
  return s;
}

/** A failed index write as a coded error: the disk is full, or the index failed (never a bare SQLite error). */
export function storageError(cause: unknown, what = 'events'): AevError {
  if (cause instanceof AevError) return cause;
  const code = (cause as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new AevError('E_DISK_FULL', `the disk is full: ${what} cannot be stored`, undefined, { cause });
  }
  return new AevError('E_IO', `the index could not store the ${what}`, { sqliteCode: String(code) }, { cause });
}
