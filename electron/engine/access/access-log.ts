import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { storageError } from '../ingest/event-writer.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import type { Clock } from '../runtime/clock.ts';
import { newId } from '../runtime/ids.ts';
import { randomBytesFast } from '../runtime/random-pool.ts';
import { canonicalJson } from '../seal/canonical-json.ts';
import { sealBytes } from '../vault/aead.ts';
import { accessEntrySchema } from './access-entry.ts';
import type { AccessEntry, RecordedAccess, ViewKind } from './access-entry.ts';

/** How long one view entry stands for further reads of the same session and kind (no flooding by a player). */
export const VIEW_COALESCE_MS = 60_000;
/** `transport` of an access entry's stored meta: the entry was made by the engine, not received from an agent. */
export const ACCESS_TRANSPORT = 'access-log';

interface Decision {
  readonly decision: 'approved' | 'denied';
  readonly decided_at: string;
  readonly access_event_id: string;
}

/**
 * The vault's access log (DESIGN.md §5). Entries are events of the one session of kind `access`: stored
 * encrypted under the index-fields key like agent events (same AAD, same digest rule, so `aev verify`
 * checks them unchanged), and sealed by the window sealer into signed, time-stamped chain records. A
 * decision on a clip request also claims its nonce, in the same transaction: a request is decided once.
 *
 * Whoever holds the index writes here: the engine (views, `access.record` from the CLI), or the CLI
 * itself when no engine runs (electron/engine/access/append-access.ts), never both at once.
 */
export class AccessLog {
  readonly #db: Database;
  readonly #key: Buffer;
  readonly #clock: Clock;
  /** `session\0what` → monotonic µs of the view entry that stands for reads until VIEW_COALESCE_MS later. */
  readonly #views = new Map<string, number>();

  constructor(db: Database, fieldKey: Buffer, clock: Clock) {
    this.#db = db;
    this.#key = fieldKey;
    this.#clock = clock;
  }

  /** One entry (retention calls this with `{ kind: 'purge', … }`); see `record`. */
  recordAccess(entry: AccessEntry): RecordedAccess {
    const [recorded] = this.record([entry]);
    if (recorded === undefined) throw new AevError('E_INTERNAL', 'the access entry was not recorded');
    return recorded;
  }

  /**
   * Appends entries in one transaction (all or none), validated against the strict schema: they may
   * come from a control client. Durable when this returns; sealed with the access session's next window.
   */
  record(entries: readonly unknown[]): RecordedAccess[] {
    const parsed = entries.map((e, i) => {
      const r = accessEntrySchema.safeParse(e);
      if (r.success) return r.data;
      const issue = r.error.issues[0];
      throw new AevError(
        'E_SCHEMA',
        `access entry ${i}: ${issue === undefined ? 'invalid' : `${issue.path.map(String).join('.')}: ${issue.message}`}`,
      );
    });
    try {
      return this.#db.transaction(() => parsed.map((e) => this.#append(e)))();
    } catch (cause) {
      throw storageError(cause, 'access log entries');
    }
  }

  /**
   * The owner read decrypted content of a session (payloads, video, terminal, stills). One entry per
   * session and kind of content per VIEW_COALESCE_MS: a player asking for many ranges is one view. The
   * access log's own session is not content and is not logged.
   */
  viewed(sessionId: string, what: ViewKind): void {
    const key = `${sessionId}\u0000${what}`;
    const nowUs = this.#clock.monoUs();
    const last = this.#views.get(key);
    if (last !== undefined && nowUs - last < VIEW_COALESCE_MS * 1000) return;
    const kind = this.#db
      .prepare<[string], { kind: string }>('SELECT kind FROM sessions WHERE id = ?')
      .get(sessionId)?.kind;
    if (kind === undefined || kind === 'access') return;
    this.recordAccess({ kind: 'view', sessionId, what });
    this.#views.set(key, nowUs);
    if (this.#views.size > 1024)
      for (const [k, at] of this.#views) if (nowUs - at >= VIEW_COALESCE_MS * 1000) this.#views.delete(k);
  }

  /** The decision already taken on a request nonce, if any. */
  decision(nonce: string): { readonly decision: 'approved' | 'denied'; readonly decidedAt: string } | null {
    const row = this.#decision(nonce);
    return row === undefined ? null : { decision: row.decision, decidedAt: row.decided_at };
  }

  /** The access session's id (created with the first entry); null before there is one. */
  sessionId(): string | null {
    return accessSessionId(this.#db);
  }

  #append(entry: AccessEntry): RecordedAccess {
    const nowMs = this.#clock.now();
    const at = new Date(nowMs).toISOString();
    const sessionId = this.sessionId() ?? this.#createSession(at);
    if (entry.kind === 'request-decision') {
      const earlier = this.#decision(entry.nonce);
      if (earlier !== undefined)
        throw new AevError(
          'E_REQUEST_REPLAYED',
          `this request was already ${earlier.decision} on ${earlier.decided_at}: a request is decided once`,
          { nonce: entry.nonce, decidedAt: earlier.decided_at },
        );
    }
    const count = this.#db
      .prepare<[string], { event_count: number }>('SELECT event_count FROM sessions WHERE id = ?')
      .get(sessionId)?.event_count;
    const seq = (count ?? 0) + 1;
    const eventId = newId('ev', nowMs);
    const monoUs = this.#clock.monoUs();
    // Stored like an agent event ({"meta":…,"received":…}; docs/chain-format.md "Events"), so the
    // verifier's checks apply as they are. The salt keeps the clear digest from confirming a guess.
    const meta = {
      v: 1,
      id: eventId,
      sessionId,
      seq,
      kind: entry.kind,
      recordedAt: at,
      transport: ACCESS_TRANSPORT,
      salt: randomBytesFast(16).toString('base64url'),
    };
    const plain = canonicalJson({ meta, received: entry });
    this.#db
      .prepare(
        `INSERT INTO events (id, session_id, seq, agent, kind, tool_name, tool_use_id, received_at, received_mono_us,
           client, terminal_id, digest, payload_bytes, payload_ct)
         VALUES (?, ?, ?, 'aev', ?, NULL, NULL, ?, ?, 'cli', NULL, ?, ?, ?)`,
      )
      .run(
        eventId,
        sessionId,
        seq,
        entry.kind,
        at,
        monoUs,
        createHash('sha256').update(plain).digest(),
        plain.length,
        sealBytes(this.#key, plain, payloadAad(eventId)),
      );
    this.#db
      .prepare('UPDATE sessions SET event_count = ?, last_event_at = ?, last_event_mono_us = ? WHERE id = ?')
      .run(seq, at, monoUs, sessionId);
    if (entry.kind === 'request-decision')
      this.#db
        .prepare(
          `INSERT INTO request_decisions (nonce, request_sha256, requester, session_id, decision, decided_at, access_event_id)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(entry.nonce, entry.requestSha256, entry.requester, entry.sessionId, entry.decision, at, eventId);
    return { sessionId, eventId, seq, at };
  }

  #createSession(at: string): string {
    const id = newId('access', Date.parse(at));
    this.#db
      .prepare(
        `INSERT INTO sessions (id, kind, agent, agent_session_id, started_at, last_event_at, last_event_mono_us)
         VALUES (?, 'access', 'aev', 'access-log', ?, ?, 0)`,
      )
      .run(id, at, at);
    return id;
  }

  #decision(nonce: string): Decision | undefined {
    return this.#db
      .prepare<[string], Decision>(
        'SELECT decision, decided_at, access_event_id FROM request_decisions WHERE nonce = ?',
      )
      .get(nonce);
  }
}

/** The one access session of an index (migration 004 allows no second), or null before its first entry. */
export function accessSessionId(db: Database): string | null {
  return db.prepare<[], { id: string }>("SELECT id FROM sessions WHERE kind = 'access' LIMIT 1").get()?.id ?? null;
}
