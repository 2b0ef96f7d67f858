import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { ChainRecordBody } from '../../common/model/chain.ts';
import { isCanonicalJson } from '../seal/canonical-json.ts';
import type { ChainStore, StoredChainRecord } from '../seal/chain-store.ts';
import { leafHash, merkleRoot } from '../seal/merkle.ts';
import { verifySshsig } from '../seal/sshsig.ts';
import { chainRecordBodySchema } from './chain-record-schema.ts';
import type { EventCheckWorkers, EventContentResults } from './event-checks.ts';
import { EVENT_ROW_COLUMNS, eventContentFailures } from './event-content.ts';
import type { EventRow } from './event-content.ts';
import type { ReportBuilder } from './report-builder.ts';
import type { TokenCheck } from './token-check.ts';

export type { TokenCheck } from './token-check.ts';
import { checkMedia } from './verify-media.ts';
import { checkIndexedPurge, PurgeLedger } from './purge-check.ts';
import { reportRedaction } from './redaction-check.ts';
import type { MediaReader } from './verify-media.ts';
import { rootMatches, unownedVerdict, windowOwners } from './window-ranges.ts';

export interface SessionVerifyDeps {
  readonly db: Database;
  readonly chain: ChainStore;
  readonly fieldKey: Buffer;
  readonly devicePublicKey: Buffer;
  readonly deviceFingerprint: string;
  readonly checkToken: TokenCheck;
  readonly readMedia: MediaReader;
  /** Event content checks in worker threads; without it, this thread does them. */
  readonly eventChecks?: EventCheckWorkers;
}

/**
 * Recomputes everything about one session from what is stored (DESIGN.md §5, invariant I5): each event's
 * ciphertext and digest, each window's Merkle root, each record's canonical form, hash, link, coverage
 * and signature, and each time-stamp token. Reports every item.
 */
export async function verifySession(sessionId: string, deps: SessionVerifyDeps, report: ReportBuilder): Promise<void> {
  const at = `session ${sessionId}`;
  const session = deps.db
    .prepare<[string], { id: string; started_at: string; kind: string }>(
      'SELECT id, started_at, kind FROM sessions WHERE id = ?',
    )
    .get(sessionId);
  if (session === undefined) {
    report.fail(at, 'SESSION_MISSING', 'no such session in the index');
    return;
  }
  const records = deps.chain.all(sessionId).sort((a, b) => a.seq - b.seq);
  const { bodies, trusted } = checkRecords(at, session.started_at, records, deps, report);
  reportRedaction(at, session.kind, bodies.values(), report);
  // Content deleted under a valid tombstone is reported as PURGED, not missing (docs/retention.md).
  const purges = new PurgeLedger(bodies, trusted);
  await checkEvents(at, sessionId, bodies, deps, report, purges);
  await checkMedia(at, sessionId, bodies, deps.db, deps.readMedia, report, purges);
  purges.report(at, bodies, report);
  checkIndexedPurge(at, deps.db, sessionId, bodies, report);
  checkTokens(at, sessionId, records, deps, report);
}

function checkRecords(
  at: string,
  startedAt: string,
  records: readonly StoredChainRecord[],
  deps: SessionVerifyDeps,
  report: ReportBuilder,
): { readonly bodies: Map<number, ChainRecordBody>; readonly trusted: Set<number> } {
  const bodies = new Map<number, ChainRecordBody>();
  /** Records that passed every check: only these may excuse purged content. */
  const trusted = new Set<number>();
  let prevHash: string | null = null;
  let prevTo = startedAt;
  let finalSeen = false;
  records.forEach((r, i) => {
    const item = `${at} record ${r.seq}`;
    const failures: string[] = [];
    const fail = (code: Parameters<ReportBuilder['fail']>[1], message: string): void => {
      failures.push(code);
      report.fail(item, code, message);
    };
    let body: ChainRecordBody | null = null;
    try {
      const parsed = chainRecordBodySchema.safeParse(JSON.parse(r.record.toString('utf8')));
      if (parsed.success) body = parsed.data;
      else fail('RECORD_SCHEMA', `not a valid chain record: ${parsed.error.issues[0]?.message ?? ''}`);
    } catch {
      fail('RECORD_SCHEMA', 'the record is not JSON');
    }
    if (body !== null && !isCanonicalJson(r.record))
      fail('RECORD_CANONICAL', 'the record is not in RFC 8785 canonical form');
    const hash = createHash('sha256').update(r.record).digest();
    if (!hash.equals(r.recordHash)) fail('RECORD_HASH', 'the stored record hash does not match the record');
    if (body !== null) {
      if (body.seq !== i + 1 || body.seq !== r.seq)
        fail(
          'RECORD_SEQ',
          `expected record ${i + 1}, found ${body.seq} (row ${r.seq}): a record is missing, duplicated or reordered`,
        );
      if (body.sessionId !== r.sessionId) fail('RECORD_SESSION', `the record belongs to session ${body.sessionId}`);
      if (body.prev !== prevHash) fail('RECORD_LINK', 'the record does not link to the previous record');
      if (body.from !== prevTo)
        fail('RECORD_COVERAGE', `coverage hole or overlap: starts ${body.from}, previous ended ${prevTo}`);
      if (body.device !== deps.deviceFingerprint) fail('RECORD_DEVICE', `signed by another device (${body.device})`);
      // Only a tombstone may follow the final record, and only it: purges happen to ended sessions.
      if (finalSeen && body.kind !== 'tombstone') fail('RECORD_AFTER_FINAL', 'a record follows the final record');
      if (!finalSeen && body.kind === 'tombstone')
        fail('PURGE_MISMATCH', 'a tombstone before the final record: only an ended session is purged');
      finalSeen ||= body.final;
      bodies.set(r.seq, body);
      prevTo = body.to;
    }
    const sig = verifySshsig(r.record, r.signature, deps.devicePublicKey, 'agent-evidence');
    if (!sig.valid) fail('RECORD_SIGNATURE', `device signature invalid (${sig.code ?? 'SIG_BAD'})`);
    if (failures.length === 0) trusted.add(r.seq);
    if (failures.length === 0)
      report.pass(
        item,
        `${body?.kind ?? 'record'} ${body?.from ?? ''} → ${body?.to ?? ''}: hash, link, coverage and signature verified`,
      );
    prevHash = hash.toString('hex');
  });
  return { bodies, trusted };
}

/** An event row as the loop below needs it; `row` is the whole row when this thread read it. */
interface EventEntry {
  readonly seq: number;
  readonly digest: Buffer;
  readonly ctBytes: number;
  readonly row: EventRow | null;
}

async function checkEvents(
  at: string,
  sessionId: string,
  bodies: ReadonlyMap<number, ChainRecordBody>,
  deps: SessionVerifyDeps,
  report: ReportBuilder,
  purges: PurgeLedger,
): Promise<void> {
  const lastSeq =
    deps.db
      .prepare<[string], { last: number | null }>('SELECT max(seq) AS last FROM events WHERE session_id = ?')
      .get(sessionId)?.last ?? 0;
  const full = deps.db.prepare<[string], EventRow>(
    `SELECT ${EVENT_ROW_COLUMNS} FROM events WHERE session_id = ? ORDER BY seq`,
  );
  let entries: Iterable<EventEntry>;
  let results: EventContentResults | null = null;
  if (deps.eventChecks?.takes(lastSeq) === true) {
    // The content checks in worker threads (event-checks.ts); meanwhile this thread reads only what the
    // Merkle roots need.
    const checks = deps.eventChecks.check(sessionId, lastSeq);
    const light = deps.db
      .prepare<[string], { seq: number; digest: Buffer; ctBytes: number }>(
        'SELECT seq, digest, length(payload_ct) AS ctBytes FROM events WHERE session_id = ? ORDER BY seq',
      )
      .all(sessionId);
    results = await checks;
    entries = light.map((e) => ({ ...e, row: null }));
  } else {
    // Rows one at a time, each dropped once checked: an hour's ciphertexts held at once (~30 MB in tens
    // of thousands of buffers) made much of verification's time garbage collection.
    entries = mapRows(full.iterate(sessionId), (row) => ({
      seq: row.seq,
      digest: row.digest,
      ctBytes: row.payload_ct.length,
      row,
    }));
  }
  const checkContent = (item: string, e: EventEntry): void => {
    if (e.row !== null || results === null || !results.checked.has(e.seq)) {
      // Checked here: no workers, or a row they did not see (an empty ciphertext, or a later snapshot).
      const row =
        e.row ??
        deps.db
          .prepare<[string, number], EventRow>(
            `SELECT ${EVENT_ROW_COLUMNS} FROM events WHERE session_id = ? AND seq = ?`,
          )
          .get(sessionId, e.seq);
      if (row === undefined) return;
      for (const f of eventContentFailures(row, deps.fieldKey)) report.fail(item, f.code, f.message);
      return;
    }
    for (const f of results.failures.get(e.seq) ?? []) report.fail(item, f.code, f.message);
  };
  const owners = windowOwners(at, bodies, (b) => b.events, 'events', 'EVENTS_ROOT', report);
  const byWindow = new Map<number, Pick<EventEntry, 'seq' | 'digest'>[]>();
  let expectedSeq = 1;
  for (const e of entries) {
    const item = `${at} event ${e.seq}`;
    if (e.seq !== expectedSeq)
      report.fail(`${at} event ${expectedSeq}`, 'EVENT_MISSING', `events ${expectedSeq}..${e.seq - 1} are missing`);
    expectedSeq = e.seq + 1;
    const window = owners.owner.get(e.seq);
    // A purge empties the ciphertext and keeps the digest (the leaf): only a valid tombstone excuses that.
    const purged = window !== undefined && purges.covers(window);
    if (purged) purges.noteEvent(window, { seq: e.seq, leafInput: e.digest }, e.ctBytes === 0);
    if (!purged || e.ctBytes > 0) checkContent(item, e);
    if (window !== undefined) {
      const list = byWindow.get(window) ?? [];
      list.push({ seq: e.seq, digest: e.digest });
      byWindow.set(window, list);
      continue;
    }
    const verdict = unownedVerdict(e.seq, owners);
    if (verdict === 'orphaned') report.fail(item, 'EVENT_ORPHANED', 'no record seals this event');
    else if (verdict === 'after-final') report.fail(item, 'EVENT_UNSEALED', 'an event after the final record');
    else report.pending(item, 'EVENT_UNSEALED', 'received, not sealed yet (the open window)');
  }
  for (const [seq, body] of bodies) {
    const events = byWindow.get(seq) ?? [];
    const root = merkleRoot(events.map((e) => leafHash(e.digest))).toString('hex');
    const item = `${at} record ${seq} events`;
    if (
      !rootMatches(
        body.events,
        events.map((e) => e.seq),
        root,
      )
    ) {
      report.fail(
        item,
        'EVENTS_ROOT',
        `the record seals ${body.events.count} events (${String(body.events.firstSeq)}..${String(body.events.lastSeq)}) but ${events.length} stored events give another Merkle root`,
      );
    } else if (events.length > 0) {
      report.pass(item, `${events.length} events match the Merkle root`);
    }
  }
}

function* mapRows<T, U>(rows: Iterable<T>, f: (row: T) => U): Generator<U> {
  for (const row of rows) yield f(row);
}

function checkTokens(
  at: string,
  sessionId: string,
  records: readonly StoredChainRecord[],
  deps: SessionVerifyDeps,
  report: ReportBuilder,
): void {
  const tokens = deps.db
    .prepare<[string], { seq: number; tsa_url: string; response: Buffer }>(
      'SELECT seq, tsa_url, response FROM tsa_tokens WHERE session_id = ? ORDER BY seq',
    )
    .all(sessionId);
  const hashes = new Map(records.map((r) => [r.seq, r.recordHash]));
  let coveredUpTo = 0;
  for (const t of tokens) {
    const item = `${at} token on record ${t.seq} (${t.tsa_url})`;
    const imprint = hashes.get(t.seq);
    if (imprint === undefined) {
      report.fail(item, 'TOKEN_IMPRINT', 'the token is for a record that does not exist');
      continue;
    }
    const result = deps.checkToken(t.response, imprint);
    if (!result.valid) {
      const code = result.code === 'TSA_IMPRINT_MISMATCH' ? 'TOKEN_IMPRINT' : 'TOKEN_INVALID';
      report.fail(
        item,
        code,
        `${result.code ?? 'invalid'}: ${result.message ?? 'the time-stamp token does not verify'}`,
      );
      continue;
    }
    report.pass(
      item,
      `RFC 3161 token verified, genTime ${result.genTime ?? '?'}; covers records 1..${t.seq} through the chain`,
    );
    coveredUpTo = Math.max(coveredUpTo, t.seq);
  }
  const uncovered = records.filter((r) => r.seq > coveredUpTo);
  if (uncovered.length > 0) {
    report.pending(
      `${at} records ${uncovered[0]?.seq ?? ''}..${uncovered.at(-1)?.seq ?? ''}`,
      'TOKEN_PENDING',
      `${uncovered.length} record(s) not yet covered by a time-stamp`,
    );
  }
}
