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

const CLOSE_BRACE = Buffer.from('}');
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
  /** Per session, the events since its last sealed window, as an incremental Merkle tree. */
  readonly #windows = new Map<string, { firstSeq: number; lastSeq: number; acc: MerkleAccumulator }>();
  readonly #insertEvent: Statement;
  readonly #insertSession: Statement;
  readonly #touchSession: Statement;
  readonly #endSession: Statement;
  readonly #startTool: Statement;
  readonly #finishTool: Statement;
  readonly #writeBatch: (batch: readonly PendingEvent[]) => WrittenEvent[];
  readonly #skipSync: Statement;
  readonly #restoreSync: Statement;

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
    this.#writeBatch = db.transaction((batch: readonly PendingEvent[]) => {
      this.#touched.clear();
      const written = batch.map((p) => this.#writeOne(p));
      // One update per session per batch, not per event.
      for (const [id, t] of this.#touched) this.#touchSession.run(t.at, t.monoUs, t.count, id);
      this.#touched.clear();
      return written;
    });
  }

  writeBatch(batch: readonly PendingEvent[]): WrittenEvent[] {
    try {
      return this.#writeBatch(batch);
    } catch (cause) {
      // The transaction rolled back: so must the in-memory sequence numbers, open sessions and windows.
      this.#sessions.reload(this.#db);
      this.#windows.clear();
      throw storageError(cause);
    }
  }

  /**
   * Like `writeBatch`, but the commit does not wait for the disk (synchronous=NORMAL for this one
   * transaction; every other writer on the connection keeps its fsync'd commits). Not durable until the
   * caller has flushed the write-ahead log: see WalSyncer for why that flush makes it as durable as FULL.
   */
  writeBatchUnsynced(batch: readonly PendingEvent[]): WrittenEvent[] {
    this.#skipSync.run();
    try {
      return this.writeBatch(batch);
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

  #writeOne(p: PendingEvent): WrittenEvent {
    const e = p.event;
    const receivedAt = new Date(p.receivedAtMs).toISOString();
    const session = this.#sessionFor(p, receivedAt);
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
    const plain = Buffer.concat([
      Buffer.from(`{"meta":${JSON.stringify(meta)},"received":`, 'utf8'),
      e.received.bytes,
      CLOSE_BRACE,
    ]);
    const digest = hash('sha256', plain, 'buffer');
    const window = this.#windows.get(session.id) ?? { firstSeq: seq, lastSeq: seq - 1, acc: new MerkleAccumulator() };
    if (window.lastSeq === seq - 1) {
      window.acc.append(leafHash(digest));
      window.lastSeq = seq;
      this.#windows.set(session.id, window);
    }
    const ct = sealBytes(this.#key, plain, payloadAad(eventId));
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
      digest,
      plain.length,
      ct,
      e.redactions === null ? null : JSON.stringify(e.redactions),
    );
    const touched = this.#touched.get(session.id);
    this.#touched.set(session.id, { at: receivedAt, monoUs: p.receivedMonoUs, count: (touched?.count ?? 0) + 1 });
    session.nextSeq = seq + 1;
    session.lastEventAtMs = p.receivedAtMs;
    session.lastEventMonoUs = p.receivedMonoUs;
    this.#pairToolCall(session.id, e, eventId, receivedAt, p.receivedMonoUs);
    if (e.kind === 'SessionEnd') this.endSession(session, 'session-end', p.receivedAtMs);
    return { eventId, sessionId: session.id, seq };
  }

  #sessionFor(p: PendingEvent, receivedAt: string): OpenSession {
    const e = p.event;
    const existing = this.#sessions.find(e.agent, e.agentSessionId);
    if (existing !== undefined) return existing;
    const id = newId('s', p.receivedAtMs);
    const meta = { cwd: e.payload.cwd ?? null, transcriptPath: e.payload.transcript_path ?? null };
    const metaCt = sealBytes(this.#key, Buffer.from(JSON.stringify(meta), 'utf8'), sessionMetaAad(id));
    this.#insertSession.run(id, e.agent, e.agentSessionId, receivedAt, receivedAt, p.receivedMonoUs, metaCt);
    const session: OpenSession = {
      id,
      agent: e.agent,
      agentSessionId: e.agentSessionId,
      nextSeq: 1,
      lastEventAtMs: p.receivedAtMs,
      lastEventMonoUs: p.receivedMonoUs,
    };
    this.#sessions.add(session);
    return session;
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

/** A failed index write as a coded error: the disk is full, or the index failed (never a bare SQLite error). */
export function storageError(cause: unknown, what = 'events'): AevError {
  if (cause instanceof AevError) return cause;
  const code = (cause as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new AevError('E_DISK_FULL', `the disk is full: ${what} cannot be stored`, undefined, { cause });
  }
  return new AevError('E_IO', `the index could not store the ${what}`, { sqliteCode: String(code) }, { cause });
}
