import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import type { MediaDescriptor, SessionKind } from '../../common/model/media.ts';
import { ChainStore } from '../seal/chain-store.ts';
import { assertNotPurged } from '../retention/purged-session.ts';
import type { StoredChainRecord } from '../seal/chain-store.ts';
import { prepared } from '../index/prepared.ts';
import type { SessionFacts } from './bundle-manifest.ts';

/** What the user asked for: a time range, or a tool-call range (its first and last event). */
export type ExportRange =
  | { readonly kind: 'time'; readonly from: string; readonly to: string }
  | { readonly kind: 'tool'; readonly fromTool: string; readonly toTool: string };

export interface SelectedRecord {
  readonly stored: StoredChainRecord;
  readonly body: ChainRecordBody;
}

export interface SelectedSession {
  readonly facts: SessionFacts;
  /** Windows whose events and media go into the bundle, ascending. */
  readonly content: readonly SelectedRecord[];
  /** Records without content that link the newest content up to a time-stamped record, ascending. */
  readonly context: readonly SelectedRecord[];
  /** Every token on an included record, in stored order. */
  readonly tokens: readonly { readonly seq: number; readonly n: number; readonly response: Buffer }[];
}

export interface Selection {
  readonly range: { readonly from: string; readonly to: string };
  readonly sessions: readonly SelectedSession[];
}

interface SessionRow {
  id: string;
  kind: SessionKind;
  agent: string;
  agent_session_id: string;
  started_at: string;
  ended_at: string | null;
}

/**
 * Chooses what a bundle holds (docs/bundle-format.md "What is included"): whole windows only, so every
 * exported byte keeps its seal. The agent session's windows overlapping the range, the screen and
 * terminal sessions' windows overlapping it (plus the window that sealed their init segment or cast
 * header), and after each run of content windows the records up to the first time-stamped one.
 */
export function selectBundle(db: Database, sessionId: string, request: ExportRange): Selection {
  const session = sessionRow(db, sessionId);
  if (session === undefined) throw new AevError('E_NOT_FOUND', `no session ${sessionId}`);
  // Retention deleted the content: nothing of it can leave in a bundle (docs/retention.md).
  assertNotPurged(db, sessionId, 'exported');
  const range = request.kind === 'time' ? checkedTimes(request) : toolTimes(db, sessionId, request);
  const fromMs = Date.parse(range.from);
  const toMs = Date.parse(range.to);
  const chain = new ChainStore(db);
  const main = selectSession(db, chain, session, fromMs, toMs);
  if (main.content.length === 0)
    throw new AevError(
      'E_NOT_FOUND',
      `session ${sessionId} has no sealed window between ${range.from} and ${range.to}`,
    );
  // The session exported is not listed again when it is itself a screen or terminal session.
  const media = db
    .prepare<[string, string, string], SessionRow>(
      `SELECT id, kind, agent, agent_session_id, started_at, ended_at FROM sessions
       WHERE kind IN ('screen', 'terminal') AND started_at < ? AND (ended_at IS NULL OR ended_at > ?) AND id <> ?
       ORDER BY started_at, id`,
    )
    .all(range.to, range.from, sessionId)
    .map((s) => selectSession(db, chain, s, fromMs, toMs))
    .filter((s) => s.content.length > 0);
  for (const s of media)
    assertNotPurged(db, s.facts.sessionId, `exported with ${sessionId} (it holds the ${s.facts.kind} of this range)`);
  return { range, sessions: [main, ...media] };
}

function selectSession(db: Database, chain: ChainStore, s: SessionRow, fromMs: number, toMs: number): SelectedSession {
  const records = chain
    .all(s.id)
    .map((stored) => ({ stored, body: JSON.parse(stored.record.toString('utf8')) as ChainRecordBody }))
    .sort((a, b) => a.body.seq - b.body.seq);
  const overlaps = (r: SelectedRecord): boolean => Date.parse(r.body.from) < toMs && Date.parse(r.body.to) > fromMs;
  const content = new Set(records.filter(overlaps).map((r) => r.body.seq));
  // Media are sealed a moment after they were captured (a fragment arrives ~1 s after its frames): a
  // screen or terminal window is content also when it seals media captured inside the range.
  if (s.kind !== 'agent') {
    const captured = db
      .prepare<[string, number, number], { seq: number }>(
        'SELECT seq FROM media WHERE session_id = ? AND start_ms < ? AND end_ms >= ?',
      )
      .all(s.id, toMs, fromMs)
      .map((m) => m.seq);
    for (const r of records) {
      const { firstSeq, lastSeq } = r.body.media;
      if (firstSeq !== null && lastSeq !== null && captured.some((m) => m >= firstSeq && m <= lastSeq))
        content.add(r.body.seq);
    }
  }
  if (content.size > 0 && s.kind !== 'agent')
    for (const needed of headerSeqs(db, s, records, content)) content.add(needed);
  const tokens = db
    .prepare<[string], { seq: number; response: Buffer }>(
      'SELECT seq, response FROM tsa_tokens WHERE session_id = ? ORDER BY seq, id',
    )
    .all(s.id);
  const stamped = new Set(tokens.map((t) => t.seq));
  const context = new Set<number>();
  // After each run of content windows, follow the chain to a stamped record (chain-format.md "Time-stamps":
  // a token covers every earlier record through the prev links).
  for (const seq of content) {
    if (content.has(seq + 1) || stamped.has(seq)) continue;
    for (const r of records) {
      if (r.body.seq <= seq) continue;
      if (!content.has(r.body.seq)) context.add(r.body.seq);
      if (stamped.has(r.body.seq)) break;
    }
  }
  const included = new Set([...content, ...context]);
  const counters = new Map<number, number>();
  return {
    facts: {
      sessionId: s.id,
      kind: s.kind,
      agent: s.agent,
      agentSessionId: s.agent_session_id,
      startedAt: s.started_at,
      endedAt: s.ended_at,
    },
    content: records.filter((r) => content.has(r.body.seq)),
    context: records.filter((r) => context.has(r.body.seq) && !content.has(r.body.seq)),
    tokens: tokens
      .filter((t) => included.has(t.seq))
      .map((t) => {
        const n = (counters.get(t.seq) ?? 0) + 1;
        counters.set(t.seq, n);
        return { seq: t.seq, n, response: t.response };
      }),
  };
}

/**
 * The windows a media slice needs to play: the one sealing each fragment's init segment (video), or the
 * one sealing the asciicast header, media item 1 (terminal).
 */
function headerSeqs(
  db: Database,
  s: SessionRow,
  records: readonly SelectedRecord[],
  content: ReadonlySet<number>,
): number[] {
  const wanted = new Set<number>();
  if (s.kind === 'terminal') wanted.add(1);
  for (const r of records) {
    const m = r.body.media;
    if (!content.has(r.body.seq) || s.kind !== 'screen' || m.firstSeq === null || m.lastSeq === null) continue;
    const rows = prepared<[string, number, number], { descriptor: Buffer }>(
      db,
      "SELECT descriptor FROM media WHERE session_id = ? AND seq BETWEEN ? AND ? AND kind = 'video-fragment'",
    ).all(s.id, m.firstSeq, m.lastSeq);
    for (const row of rows) {
      const init = (JSON.parse(row.descriptor.toString('utf8')) as MediaDescriptor).info.init;
      if (typeof init === 'number') wanted.add(init);
    }
  }
  return records
    .filter((r) => {
      const { firstSeq, lastSeq } = r.body.media;
      return firstSeq !== null && lastSeq !== null && [...wanted].some((w) => w >= firstSeq && w <= lastSeq);
    })
    .map((r) => r.body.seq);
}

function sessionRow(db: Database, id: string): SessionRow | undefined {
  return db
    .prepare<[string], SessionRow>(
      'SELECT id, kind, agent, agent_session_id, started_at, ended_at FROM sessions WHERE id = ?',
    )
    .get(id);
}

function checkedTimes(r: { readonly from: string; readonly to: string }): { from: string; to: string } {
  const from = Date.parse(r.from);
  const to = Date.parse(r.to);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new AevError('E_USAGE', '--from and --to must be ISO 8601 times, e.g. 2026-11-29T14:02:00Z');
  if (!(from < to)) throw new AevError('E_USAGE', '--from must be earlier than --to');
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** A tool-call range becomes the times of the first tool's first event and the last tool's last event. */
function toolTimes(
  db: Database,
  sessionId: string,
  r: { readonly fromTool: string; readonly toTool: string },
): { from: string; to: string } {
  const times = (toolUseId: string): { first: string; last: string } => {
    const row = db
      .prepare<[string, string], { first: string | null; last: string | null }>(
        'SELECT MIN(received_at) AS first, MAX(received_at) AS last FROM events WHERE session_id = ? AND tool_use_id = ?',
      )
      .get(sessionId, toolUseId);
    if (row?.first == null || row.last == null)
      throw new AevError('E_NOT_FOUND', `no tool call ${toolUseId} in session ${sessionId}`);
    return { first: row.first, last: row.last };
  };
  const from = times(r.fromTool).first;
  const last = times(r.toTool).last;
  if (Date.parse(last) < Date.parse(from))
    throw new AevError('E_USAGE', `tool call ${r.toTool} happened before ${r.fromTool}`);
  // The range is half-open [from, to): one millisecond past the last event includes it.
  return { from, to: new Date(Date.parse(last) + 1).toISOString() };
}
