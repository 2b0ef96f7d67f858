import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import type { ChainRecordBody, PurgeSummary } from '../../common/model/chain.ts';
import { canonicalJson } from '../seal/canonical-json.ts';
import type { ChainStore, StoredChainRecord } from '../seal/chain-store.ts';
import type { DeviceIdentity } from '../seal/device-identity.ts';
import { itemsSummary } from './purge-summary.ts';

const NOTHING = itemsSummary([]);

/**
 * Appends a session's tombstone (docs/chain-format.md "Tombstones"), in the caller's transaction: a
 * signed record after the final one, linked like any record and queued for an RFC 3161 time-stamp (the
 * ChainStore queues what it stores), which names the records whose content goes and commits to the
 * hashes of every event and media item deleted. It covers no time (`from` = `to` = the chain's end),
 * so coverage (invariant I4) reads as before; it seals nothing new (empty `events` and `media`).
 */
export function appendTombstone(
  db: Database,
  chain: ChainStore,
  device: DeviceIdentity,
  sessionId: string,
  policyDays: number,
  nowMs: number,
): { readonly stored: StoredChainRecord; readonly purge: PurgeSummary } {
  const last = chain.last(sessionId);
  if (last?.body.final !== true || last.body.kind === 'tombstone')
    throw new AevError('E_INTERNAL', `session ${sessionId} has no final record to put a tombstone after`);
  const sealed = db
    .prepare<[string], { sealed_seq: number; sealed_media: number }>(
      'SELECT sealed_seq, sealed_media FROM sessions WHERE id = ?',
    )
    .get(sessionId);
  if (sealed === undefined) throw new AevError('E_NOT_FOUND', `no session ${sessionId}`);
  const events = db
    .prepare<[string, number], { seq: number; leafInput: Buffer; bytes: number }>(
      'SELECT seq, digest AS leafInput, payload_bytes AS bytes FROM events WHERE session_id = ? AND seq <= ? ORDER BY seq',
    )
    .all(sessionId, sealed.sealed_seq);
  const media = db
    .prepare<[string, number], { seq: number; leafInput: Buffer; bytes: number }>(
      'SELECT seq, leaf AS leafInput, bytes FROM media WHERE session_id = ? AND seq <= ? ORDER BY seq',
    )
    .all(sessionId, sealed.sealed_media);
  const purge: PurgeSummary = {
    reason: 'retention',
    policyDays,
    endedAt: last.body.to,
    records: { firstSeq: 1, lastSeq: last.body.seq },
    events: itemsSummary(events),
    media: itemsSummary(media),
    bytes: [...events, ...media].reduce((n, i) => n + i.bytes, 0),
  };
  const body: ChainRecordBody = {
    v: 1,
    kind: 'tombstone',
    sessionId,
    agent: last.body.agent,
    agentSessionId: last.body.agentSessionId,
    seq: last.body.seq + 1,
    prev: last.stored.recordHash.toString('hex'),
    device: device.fingerprint,
    from: last.body.to,
    to: last.body.to,
    sealedAt: new Date(nowMs).toISOString(),
    events: NOTHING,
    media: NOTHING,
    gap: null,
    final: true,
    purge,
  };
  const bytes = canonicalJson(body);
  const stored: StoredChainRecord = {
    sessionId,
    seq: body.seq,
    kind: 'tombstone',
    record: bytes,
    recordHash: createHash('sha256').update(bytes).digest(),
    signature: device.sign(bytes),
    sealedAt: body.sealedAt,
  };
  chain.insert(stored);
  return { stored, purge };
}
