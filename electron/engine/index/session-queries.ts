import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { AgentKind, ClientKind } from '../../common/model/agent.ts';
import type {
  EventPins,
  EventRecord,
  EventWithPayload,
  RedactionCount,
  ToolCall,
  ToolCallOutcome,
} from '../../common/model/event.ts';
import type { SessionKind } from '../../common/model/media.ts';
import type { SessionEndReason, SessionSummary } from '../../common/model/session.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import { parseStoredEvent } from '../ingest/stored-event.ts';
import { openBytes } from '../vault/aead.ts';
import { EventPinner } from './event-pinner.ts';
import { assertNotPurged } from '../retention/purged-session.ts';

interface SessionRow {
  id: string;
  kind: SessionKind;
  agent: AgentKind | 'aev';
  agent_session_id: string;
  started_at: string;
  ended_at: string | null;
  end_reason: SessionEndReason | null;
  last_event_at: string;
  event_count: number;
  tool_calls: number;
}

interface EventRow {
  id: string;
  session_id: string;
  seq: number;
  agent: AgentKind;
  kind: string;
  tool_name: string | null;
  tool_use_id: string | null;
  received_at: string;
  received_mono_us: number;
  client: ClientKind;
  terminal_id: string | null;
  digest: Buffer;
  payload_bytes: number;
  payload_ct: Buffer;
  /** JSON array of {pattern, count} (migration 006), null when nothing was redacted. */
  redactions: string | null;
}

interface ToolCallRow {
  session_id: string;
  tool_use_id: string;
  tool_name: string;
  pre_event_id: string | null;
  post_event_id: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  outcome: ToolCallOutcome;
}

export interface SessionDetail {
  readonly session: SessionSummary;
  readonly events: readonly ((EventRecord | EventWithPayload) & { readonly pins: EventPins })[];
  readonly toolCalls: readonly ToolCall[];
}

const SESSION_COLUMNS = `s.id, s.kind, s.agent, s.agent_session_id, s.started_at, s.ended_at, s.end_reason, s.last_event_at,
  s.event_count, (SELECT COUNT(*) FROM tool_calls t WHERE t.session_id = s.id) AS tool_calls`;

/** Read side of the index for the control API. Payloads are decrypted only when asked for. */
export class SessionQueries {
  readonly #db: Database;
  readonly #key: Buffer;
  readonly #pins: EventPinner;

  constructor(db: Database, fieldKey: Buffer) {
    this.#db = db;
    this.#key = fieldKey;
    this.#pins = new EventPinner(db);
  }

  list(opts: {
    readonly limit: number;
    readonly agent?: AgentKind | undefined;
    readonly state?: 'active' | 'ended' | undefined;
    readonly kind?: SessionKind | undefined;
  }): SessionSummary[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.kind !== undefined) {
      where.push('s.kind = ?');
      args.push(opts.kind);
    }
    if (opts.agent !== undefined) {
      where.push('s.agent = ?');
      args.push(opts.agent);
    }
    if (opts.state === 'active') where.push('s.ended_at IS NULL');
    if (opts.state === 'ended') where.push('s.ended_at IS NOT NULL');
    const sql = `SELECT ${SESSION_COLUMNS} FROM sessions s ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY s.started_at DESC LIMIT ?`;
    return this.#db
      .prepare<(string | number)[], SessionRow>(sql)
      .all(...args, opts.limit)
      .map(toSummary);
  }

  show(id: string, withPayloads: boolean): SessionDetail {
    const row = this.#db
      .prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`)
      .get(id);
    if (row === undefined) throw new AevError('E_NOT_FOUND', `no session ${id}`, { id });
    if (withPayloads) assertNotPurged(this.#db, id, 'shown with its payloads');
    const pin = this.#pins.forSession(id);
    const events = this.#db
      .prepare<[string], EventRow>('SELECT * FROM events WHERE session_id = ? ORDER BY seq')
      .all(id)
      .map((e) => {
        const event = withPayloads ? this.#withPayload(e) : toEvent(e);
        return { ...event, pins: pin(event) };
      });
    const toolCalls = this.#db
      .prepare<[string], ToolCallRow>('SELECT * FROM tool_calls WHERE session_id = ? ORDER BY started_at, ended_at')
      .all(id)
      .map(toToolCall);
    return { session: toSummary(row), events, toolCalls };
  }

  counts(): { readonly events: number; readonly sessions: number; readonly active: number } {
    const r = this.#db
      .prepare<[], { events: number; sessions: number; active: number }>(
        `SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM sessions) AS sessions,
                (SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL AND kind = 'agent') AS active`,
      )
      .get();
    return r ?? { events: 0, sessions: 0, active: 0 };
  }

  #withPayload(row: EventRow): EventWithPayload {
    const plain = openBytes(this.#key, row.payload_ct, payloadAad(row.id));
    return { ...toEvent(row), payload: parseStoredEvent(plain).payload };
  }
}

function toSummary(r: SessionRow): SessionSummary {
  return {
    id: r.id,
    kind: r.kind,
    agent: r.agent,
    agentSessionId: r.agent_session_id,
    state: r.ended_at === null ? 'active' : 'ended',
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    lastEventAt: r.last_event_at,
    eventCount: r.event_count,
    toolCallCount: r.tool_calls,
  };
}

function toEvent(r: EventRow): EventRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    seq: r.seq,
    agent: r.agent,
    kind: r.kind,
    toolName: r.tool_name,
    toolUseId: r.tool_use_id,
    receivedAt: r.received_at,
    receivedMonoUs: r.received_mono_us,
    client: r.client,
    terminalId: r.terminal_id,
    digest: r.digest.toString('hex'),
    payloadBytes: r.payload_bytes,
    redactions: r.redactions === null ? null : (JSON.parse(r.redactions) as RedactionCount[]),
  };
}

function toToolCall(r: ToolCallRow): ToolCall {
  return {
    sessionId: r.session_id,
    toolUseId: r.tool_use_id,
    toolName: r.tool_name,
    preEventId: r.pre_event_id,
    postEventId: r.post_event_id,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    outcome: r.outcome,
  };
}
