import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AevError } from '../../../../electron/common/errors.ts';
import type { AccessEntry } from '../../../../electron/engine/access/access-entry.ts';
import { recipientFingerprint } from '../../../../electron/engine/access/access-entry.ts';
import { AccessLog, VIEW_COALESCE_MS } from '../../../../electron/engine/access/access-log.ts';
import { listAccess } from '../../../../electron/engine/access/access-reader.ts';
import { openIndex } from '../../../../electron/engine/index/open-index.ts';
import { payloadAad } from '../../../../electron/engine/ingest/payload-aad.ts';
import { parseStoredEvent } from '../../../../electron/engine/ingest/stored-event.ts';
import type { Clock } from '../../../../electron/engine/runtime/clock.ts';
import { openBytes } from '../../../../electron/engine/vault/aead.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const NONCE = 'n'.repeat(43);

function decision(nonce = NONCE, what: 'approved' | 'denied' = 'approved'): AccessEntry {
  return {
    kind: 'request-decision',
    decision: what,
    nonce,
    requestSha256: 'a'.repeat(64),
    requester: `SHA256:${'K'.repeat(43)}`,
    trustedAs: 'lead',
    sessionId: 's_AGENT',
    range: { kind: 'tool', fromTool: 'toolu_1', toTool: 'toolu_2' },
    reason: 'quarterly access review: WIDGET-REASON',
    denyReason: what === 'denied' ? 'not in scope' : null,
    expiresAt: '2026-12-07T00:00:00.000Z',
  };
}

function exported(request: string | null = NONCE): AccessEntry {
  return {
    kind: 'export',
    sessionId: 's_AGENT',
    range: { from: '2026-11-30T10:00:00.000Z', to: '2026-11-30T10:05:00.000Z' },
    sessions: ['s_AGENT', 'rec_SCREEN'],
    recipients: [recipientFingerprint('age1example')],
    bundleId: 'b_01',
    bundleSha256: 'b'.repeat(64),
    withheld: 1,
    request,
  };
}

describe('the access log', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: Database;
  let key: Buffer;
  let wallMs: number;
  let monoUs: number;
  const clock: Clock = { now: () => wallMs, monoUs: () => monoUs };
  let log: AccessLog;

  beforeEach(() => {
    tmp = makeTempDir();
    db = openIndex(path.join(tmp.dir, 'index.sqlite'));
    key = randomBytes(32);
    wallMs = Date.parse('2026-11-30T12:00:00.000Z');
    monoUs = 1_000_000;
    log = new AccessLog(db, key, clock);
    for (const [id, kind] of [
      ['s_AGENT', 'agent'],
      ['rec_SCREEN', 'screen'],
    ] as const)
      db.prepare(
        `INSERT INTO sessions (id, kind, agent, agent_session_id, started_at, last_event_at, last_event_mono_us)
         VALUES (?, ?, 'claude-code', ?, 't', 't', 0)`,
      ).run(id, kind, id);
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('keeps entries as encrypted events of one access session, each readable only with the vault key', () => {
    const [a, b] = log.record([decision(), exported()]);
    const c = log.recordAccess({ kind: 'purge', sessionIds: ['s_OLD'], reason: 'retention: 90 days' });
    expect([a?.seq, b?.seq, c.seq]).toEqual([1, 2, 3]);
    expect(new Set([a?.sessionId, b?.sessionId, c.sessionId]).size).toBe(1);
    expect(c.sessionId).toMatch(/^access_/);
    const session = db
      .prepare<[string], { kind: string; event_count: number; sealed_seq: number }>(
        'SELECT kind, event_count, sealed_seq FROM sessions WHERE id = ?',
      )
      .get(c.sessionId);
    expect(session).toEqual({ kind: 'access', event_count: 3, sealed_seq: 0 });
    const row = db
      .prepare<[string], { payload_ct: Buffer; kind: string }>('SELECT payload_ct, kind FROM events WHERE id = ?')
      .get(c.eventId);
    expect(row?.kind).toBe('purge');
    // Stored like an agent event, so `aev verify` reads it with its usual checks.
    const stored = parseStoredEvent(openBytes(key, row?.payload_ct ?? Buffer.alloc(0), payloadAad(c.eventId)));
    expect(stored.meta).toMatchObject({ id: c.eventId, sessionId: c.sessionId, seq: 3 });
    expect(stored.payload).toEqual({ kind: 'purge', sessionIds: ['s_OLD'], reason: 'retention: 90 days' });
    // No clear copy of the reason anywhere in the index files.
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of fs.readdirSync(tmp.dir))
      expect(fs.readFileSync(path.join(tmp.dir, f)).includes(Buffer.from('WIDGET-REASON'))).toBe(false);
  });

  it('decides a request once: a replay is refused and takes its companion entries back with it', () => {
    log.record([decision(), exported()]);
    let error: unknown;
    try {
      log.record([decision(NONCE, 'denied')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AevError);
    expect((error as AevError).code).toBe('E_REQUEST_REPLAYED');
    expect(() => log.record([exported(), decision()])).toThrow(/already approved/);
    expect(log.decision(NONCE)).toMatchObject({ decision: 'approved' });
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()?.n).toBe(2);
  });

  it('refuses entries outside the schema (they can come from a control client)', () => {
    expect(() => log.record([{ kind: 'export' }])).toThrow(/access entry 0/);
    expect(() => log.record([{ ...exported(), payload: 'secret' }])).toThrow(AevError);
    expect(() => log.record([{ kind: 'view', sessionId: 's_AGENT', what: 'everything' }])).toThrow(AevError);
    expect(log.sessionId()).toBeNull();
  });

  it('writes one view entry per session and kind of content per minute, however many reads', () => {
    for (let i = 0; i < 50; i++) log.viewed('rec_SCREEN', 'video');
    log.viewed('s_AGENT', 'payloads');
    monoUs += (VIEW_COALESCE_MS - 1000) * 1000;
    log.viewed('rec_SCREEN', 'video');
    log.viewed('rec_SCREEN', 'still');
    monoUs += 2000 * 1000;
    log.viewed('rec_SCREEN', 'video');
    const views = listAccess(db, key, 100).entries.flatMap((e) => (e.entry?.kind === 'view' ? [e.entry] : []));
    expect(views.reverse()).toEqual([
      { kind: 'view', sessionId: 'rec_SCREEN', what: 'video' },
      { kind: 'view', sessionId: 's_AGENT', what: 'payloads' },
      { kind: 'view', sessionId: 'rec_SCREEN', what: 'still' },
      { kind: 'view', sessionId: 'rec_SCREEN', what: 'video' },
    ]);
  });

  it('does not log reads of the access log itself, nor of sessions that do not exist', () => {
    const { sessionId } = log.recordAccess(exported(null));
    log.viewed(sessionId, 'payloads');
    log.viewed('s_NOPE', 'payloads');
    expect(listAccess(db, key, 100).total).toBe(1);
  });

  it('lists newest first, says what is not sealed yet, and flags an entry that no longer decrypts', () => {
    log.record([decision(), exported()]);
    const listing = listAccess(db, key, 10);
    expect(listing.total).toBe(2);
    expect(listing.entries.map((e) => [e.seq, e.entry?.kind, e.sealedIn, e.stamped])).toEqual([
      [2, 'export', null, false],
      [1, 'request-decision', null, false],
    ]);
    expect(listing.entries[0]?.summary).toMatch(/export of s_AGENT .* for request nnnnnnnn…/);
    db.prepare('UPDATE events SET payload_ct = zeroblob(length(payload_ct)) WHERE seq = 1 AND session_id = ?').run(
      listing.sessionId,
    );
    const damaged = listAccess(db, key, 10).entries[1];
    expect(damaged?.entry).toBeNull();
    expect(damaged?.summary).toMatch(/aev verify/);
    expect(listAccess(db, key, 1).entries.map((e) => e.seq)).toEqual([2]);
  });
});
