import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { ChainStore } from '../seal/chain-store.ts';
import type { DeviceIdentity } from '../seal/device-identity.ts';
import { openBytes, sealBytes } from '../vault/aead.ts';
import type { ObjectStore } from '../vault/object-store.ts';
import type { RecordRetentionAccess } from './access-hook.ts';
import { deleteSessionContent } from './purge-content.ts';
import { assertNotPurged } from './purged-session.ts';
import { RetentionIndex } from './retention-index.ts';
import type { PurgeRow } from './retention-index.ts';
import { cutoffMs, DAY_MS } from './retention-policy.ts';
import type { RetentionConfig } from './retention-policy.ts';
import type { HoldResult, PurgeResult, RetentionRun, RetentionStatus } from './retention-types.ts';
import { appendTombstone } from './tombstone-record.ts';

export interface RetentionDeps {
  readonly db: Database;
  readonly objects: ObjectStore;
  readonly chain: ChainStore;
  readonly device: DeviceIdentity;
  /** Tells the TSA queue a record is waiting (the tombstone is time-stamped like any record, I3). */
  readonly kickTsa: () => void;
  /** The vault's index-fields subkey: hold reasons are stored encrypted. */
  readonly fieldKey: Buffer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: RetentionConfig;
  readonly recordAccess: RecordRetentionAccess;
}

function holdAad(sessionId: string): Buffer {
  return Buffer.from(`agent-evidence/v1/retention-hold\u0000${sessionId}`, 'utf8');
}

/**
 * The vault's retention policy (docs/retention.md): sessions whose chain ended more than `days` ago
 * lose their content, unless a legal hold keeps them; each purge leaves a signed, time-stamped
 * tombstone in the session's chain, so the deletion is itself evidence and what remains still verifies.
 *
 * Order of a purge, and why: the tombstone (with its purge row) is committed FIRST, as the statement of
 * intent, and only then is content deleted. Content missing under a valid tombstone verifies as PURGED;
 * content missing without one fails (invariant I5). Deleting first would leave, at every crash between
 * the deletions and the tombstone, a store that verifies as tampered with and nothing on record to say
 * otherwise; the only way to excuse it would be an unsigned local note, which an attacker could write
 * too. Tombstone first, a crash at any point leaves either nothing done (the transaction rolled back),
 * or a tombstone with some content still present, which verifies (what is present is checked as
 * before) and whose open purge row makes the next run (at start, or `aev retention apply`) finish it.
 * Purges run one at a time.
 */
export class RetentionService {
  readonly #d: RetentionDeps;
  readonly #index: RetentionIndex;
  #queue: Promise<unknown> = Promise.resolve();
  #stopping = false;
  #lastRun: RetentionRun | null = null;
  nextRunMs: number | null = null;

  constructor(deps: RetentionDeps) {
    this.#d = deps;
    this.#index = new RetentionIndex(deps.db);
  }

  get config(): RetentionConfig {
    return this.#d.config;
  }

  status(): RetentionStatus {
    const nowMs = this.#d.clock.now();
    const cutoff = new Date(cutoffMs(nowMs, this.#d.config.days)).toISOString();
    const oldest = this.#index.oldestKept();
    return {
      days: this.#d.config.days,
      auto: this.#d.config.auto,
      now: new Date(nowMs).toISOString(),
      cutoff,
      due: this.#index.due(cutoff),
      held: this.#index.held().map(({ hold, ...s }) => ({
        ...s,
        heldBy: hold.session_id,
        since: hold.since,
        reason: this.#reason(hold.session_id, hold.reason_ct),
      })),
      incomplete: this.#index.incomplete().flatMap((p) => {
        const row = this.#index.session(p.session_id);
        return row === undefined
          ? []
          : [{ ...this.#index.facts(row), purgedAt: p.started_at, tombstoneSeq: p.tombstone_seq }];
      }),
      purged: this.#index.purgedCount(),
      lastRun: this.#lastRun,
      nextRun: this.#d.config.auto && this.nextRunMs !== null ? new Date(this.nextRunMs).toISOString() : null,
      nextDue:
        oldest?.endedAt === null || oldest?.endedAt === undefined
          ? null
          : {
              sessionId: oldest.id,
              at: new Date(Date.parse(oldest.endedAt) + this.#d.config.days * DAY_MS).toISOString(),
            },
    };
  }

  /** Purges one due session, or finishes its interrupted purge. */
  purge(sessionId: string): Promise<PurgeResult> {
    return this.#exclusive(() => this.#purge(sessionId));
  }

  /**
   * Finishes interrupted purges, then purges every due session, one at a time; a session that stopped
   * being due in between (held meanwhile) is skipped. `onProgress` hears each session as it starts.
   */
  async applyDue(onProgress?: (done: number, total: number, sessionId: string) => void): Promise<PurgeResult[]> {
    if (this.#stopping) return [];
    const at = new Date(this.#d.clock.now()).toISOString();
    const ids = [...this.#index.incomplete().map((p) => p.session_id), ...this.status().due.map((s) => s.id)];
    const { results, error } = await this.#purgeEach(ids, onProgress);
    this.#lastRun = { at, purged: results.length, error };
    return results;
  }

  /**
   * Finishes purges a crash or a stop interrupted: their tombstones are on record, so finishing them is
   * no new decision, and it is done at start even when the policy is applied by hand only.
   */
  async finishIncomplete(): Promise<PurgeResult[]> {
    if (this.#stopping) return [];
    return (await this.#purgeEach(this.#index.incomplete().map((p) => p.session_id))).results;
  }

  async #purgeEach(
    ids: readonly string[],
    onProgress?: (done: number, total: number, sessionId: string) => void,
  ): Promise<{ readonly results: PurgeResult[]; readonly error: string | null }> {
    const results: PurgeResult[] = [];
    let error: string | null = null;
    for (const [i, id] of ids.entries()) {
      if (this.#stopping) break;
      onProgress?.(i, ids.length, id);
      try {
        results.push(await this.purge(id));
      } catch (e) {
        // Held, or purged by a concurrent `retention.purge`, since the list was made.
        if (e instanceof AevError && (e.code === 'E_LEGAL_HOLD' || e.code === 'E_NOT_DUE' || e.code === 'E_PURGED'))
          continue;
        error = e instanceof Error ? e.message : String(e);
        this.#d.logger.error('retention purge failed', { sessionId: id, error });
        if (!(e instanceof AevError) || e.code === 'E_SHUTTING_DOWN') break;
      }
    }
    return { results, error };
  }

  hold(sessionId: string, reason: string): HoldResult {
    const session = this.#index.session(sessionId);
    if (session === undefined) throw new AevError('E_NOT_FOUND', `no session ${sessionId}`);
    assertNotPurged(this.#d.db, sessionId, 'put on hold');
    const existing = this.#index.holdOf(sessionId);
    const since = existing?.since ?? new Date(this.#d.clock.now()).toISOString();
    const reasonCt = sealBytes(this.#d.fieldKey, Buffer.from(reason, 'utf8'), holdAad(sessionId));
    // The hold and its access entry land together.
    this.#d.db.transaction(() => {
      this.#index.hold(sessionId, since, reasonCt);
      this.#d.recordAccess({ kind: 'hold', sessionId, reason: `legal hold since ${since}: ${reason}` });
    })();
    this.#d.logger.info('legal hold placed', { sessionId });
    return { sessionId, held: true, since };
  }

  release(sessionId: string): HoldResult {
    if (this.#index.session(sessionId) === undefined) throw new AevError('E_NOT_FOUND', `no session ${sessionId}`);
    const released = this.#d.db.transaction(() => {
      if (!this.#index.release(sessionId)) return false;
      this.#d.recordAccess({ kind: 'release', sessionId, reason: 'legal hold released' });
      return true;
    })();
    if (!released) {
      const holder = this.#index.holder(sessionId);
      throw new AevError(
        'E_NOT_FOUND',
        holder === null
          ? `session ${sessionId} is not on hold`
          : `session ${sessionId} has no hold of its own: the hold on agent session ${holder} keeps it; release that one`,
      );
    }
    this.#d.logger.info('legal hold released', { sessionId });
    return { sessionId, held: false, since: null };
  }

  /** Lets the purge in progress reach a safe point (between two object deletions) and refuses new ones. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#queue.catch(() => undefined);
  }

  async #purge(sessionId: string): Promise<PurgeResult> {
    if (this.#stopping) throw new AevError('E_SHUTTING_DOWN', 'the engine is stopping');
    const open = this.#index.purgeOf(sessionId);
    if (open !== undefined && open.finished_at !== null) {
      assertNotPurged(this.#d.db, sessionId, 'purged again');
      throw new AevError('E_PURGED', `session ${sessionId} was purged on ${open.started_at}`);
    }
    const row = open ?? this.#writeTombstone(sessionId);
    const deletion = await deleteSessionContent(this.#d.db, this.#d.objects, sessionId, () => this.#stopping);
    if (deletion.interrupted)
      throw new AevError(
        'E_SHUTTING_DOWN',
        `the engine is stopping: the purge of ${sessionId} resumes at the next start`,
      );
    const finishedAt = new Date(this.#d.clock.now()).toISOString();
    this.#index.finishPurge(sessionId, finishedAt, deletion.objectsDeleted);
    this.#truncateWal();
    const result: PurgeResult = {
      sessionId,
      tombstoneSeq: row.tombstone_seq,
      purgedAt: row.started_at,
      resumed: open !== undefined,
      events: row.events,
      media: row.media,
      objectsDeleted: deletion.objectsDeleted,
      bytes: row.bytes,
    };
    this.#d.logger.info('session purged by retention', { ...result });
    return result;
  }

  /** Checks the session is due, then commits its tombstone and purge row together (the intent). */
  #writeTombstone(sessionId: string): PurgeRow {
    const { db, chain, device, clock, config } = this.#d;
    const row = db.transaction((): PurgeRow => {
      this.#checkDue(sessionId);
      const nowMs = clock.now();
      const { stored, purge } = appendTombstone(db, chain, device, sessionId, config.days, nowMs);
      const startedAt = new Date(nowMs).toISOString();
      const p = {
        sessionId,
        tombstoneSeq: stored.seq,
        policyDays: config.days,
        startedAt,
        events: purge.events.count,
        media: purge.media.count,
        bytes: purge.bytes,
      };
      this.#index.startPurge(p);
      this.#d.recordAccess({
        kind: 'purge',
        sessionId,
        reason:
          `retention: the ${config.days}-day policy; tombstone record ${stored.seq}; ` +
          `${p.events} events and ${p.media} media items deleted (${p.bytes} bytes)`,
      });
      const written = this.#index.purgeOf(sessionId);
      if (written === undefined) throw new AevError('E_INTERNAL', 'the purge row did not land');
      return written;
    })();
    this.#d.kickTsa();
    return row;
  }

  #checkDue(sessionId: string): void {
    const s = this.#index.session(sessionId);
    if (s === undefined) throw new AevError('E_NOT_FOUND', `no session ${sessionId}`);
    if (s.ended_at === null || s.chain_final !== 1)
      throw new AevError('E_NOT_DUE', `session ${sessionId} is still open: only ended sessions are purged`);
    const holder = this.#index.holder(sessionId);
    if (holder !== null) {
      const hold = this.#index.holdOf(holder);
      throw new AevError(
        'E_LEGAL_HOLD',
        `session ${sessionId} is on legal hold${holder === sessionId ? '' : ` with agent session ${holder}`} since ${hold?.since ?? '?'}: release it first (aev retention release ${holder})`,
        { sessionId, holder },
      );
    }
    const end = this.#index.chainEnd(sessionId)?.to ?? s.ended_at;
    const dueMs = Date.parse(end) + this.#d.config.days * DAY_MS;
    if (dueMs > this.#d.clock.now())
      throw new AevError(
        'E_NOT_DUE',
        `session ${sessionId} ended ${end}: under the ${this.#d.config.days}-day policy it is due on ${new Date(dueMs).toISOString()}`,
        { sessionId },
      );
  }

  /**
   * Drops the WAL's old page images (which still hold the purged ciphertexts) without ever blocking the
   * engine: busy_timeout 0 makes the checkpoint give up at once while a reader (`aev verify`) holds it.
   */
  #truncateWal(): void {
    const db = this.#d.db;
    const timeout = Number(db.pragma('busy_timeout', { simple: true }));
    db.pragma('busy_timeout = 0');
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // busy: the next run, or the clean stop's checkpoint, gets it
    } finally {
      db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  #reason(sessionId: string, ct: Buffer): string {
    try {
      return openBytes(this.#d.fieldKey, ct, holdAad(sessionId)).toString('utf8');
    } catch {
      return '(unreadable: the stored reason fails authentication)';
    }
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
