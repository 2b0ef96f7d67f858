import type { Database } from 'better-sqlite3';
import type { TsaStatus } from '../../common/model/status.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';

/** One configured Time-Stamp Authority. */
export interface TsaEndpoint {
  readonly url: string;
  /** Least time between two requests to this TSA (some ask for it: Sectigo wants 15 s). */
  readonly minSpacingMs: number;
}

/** A verified time-stamp for `imprint` from `url`; throws `{ transient: boolean }` errors otherwise. */
export interface Stamper {
  stamp(url: string, imprint: Buffer): Promise<{ readonly response: Buffer; readonly genTime: string }>;
}

/** What the queue reports (the `enabled` flag is added by the seal service). */
export type TsaQueueStatus = Omit<TsaStatus, 'enabled'>;

const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * The persistent time-stamp queue (DESIGN.md §5, invariant I3). Rows live in SQLite, so nothing is lost
 * while TSAs are down or the engine restarts. Per session only the newest queued record is stamped:
 * its hash covers every earlier record through the chain, so catching up after an outage costs one
 * request per session, not one per window. TSAs are tried in order (failover), each with its own
 * minimum spacing; a session whose every TSA failed backs off exponentially with jitter.
 */
export class TsaQueue {
  readonly #db: Database;
  readonly #tsas: readonly TsaEndpoint[];
  readonly #stamper: Stamper;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(
    db: Database,
    tsas: readonly TsaEndpoint[],
    stamper: Stamper,
    clock: Clock,
    logger: Logger,
    random: () => number = Math.random,
  ) {
    this.#db = db;
    this.#tsas = tsas;
    this.#stamper = stamper;
    this.#clock = clock;
    this.#logger = logger;
    this.#random = random;
  }

  /** Something was queued (or a TSA may be back): work through what is due now. */
  kick(): void {
    if (this.#stopped || this.#tsas.length === 0) return;
    if (this.#running !== null) return;
    clearTimeout(this.#timer);
    this.#running = this.#drainDue()
      .catch((error: unknown) => {
        this.#logger.error('time-stamp queue failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.#running = null;
        this.#scheduleNext();
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Waits until the queue has nothing due (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  status(): TsaQueueStatus {
    const q = this.#db
      .prepare<[], { n: number; oldest: string | null }>(
        'SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM tsa_queue',
      )
      .get();
    const rows = this.#db
      .prepare<
        [],
        { url: string; last_success_at: string | null; last_error: string | null; last_error_at: string | null }
      >('SELECT * FROM tsa_status')
      .all();
    const byUrl = new Map(rows.map((r) => [r.url, r]));
    return {
      pending: q?.n ?? 0,
      oldestPendingSince: q?.oldest ?? null,
      tsas: this.#tsas.map((t) => {
        const r = byUrl.get(t.url);
        return {
          url: t.url,
          lastSuccessAt: r?.last_success_at ?? null,
          lastError: r?.last_error ?? null,
          lastErrorAt: r?.last_error_at ?? null,
        };
      }),
    };
  }

  async #drainDue(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const now = this.#iso();
      const due = this.#db
        .prepare<[string], { session_id: string; seq: number }>(
          `SELECT session_id, MAX(seq) AS seq FROM tsa_queue GROUP BY session_id HAVING MIN(next_attempt_at) <= ? LIMIT 1`,
        )
        .get(now);
      if (due === undefined) return;
      await this.#stampHead(due.session_id, due.seq);
    }
  }

  async #stampHead(sessionId: string, seq: number): Promise<void> {
    const rec = this.#db
      .prepare<[string, number], { record_hash: Buffer }>(
        'SELECT record_hash FROM chain_records WHERE session_id = ? AND seq = ?',
      )
      .get(sessionId, seq);
    if (rec === undefined) {
      this.#db.prepare('DELETE FROM tsa_queue WHERE session_id = ? AND seq = ?').run(sessionId, seq);
      return;
    }
    const errors: string[] = [];
    for (const tsa of this.#tsas) {
      if (!this.#spacingAllows(tsa)) continue;
      this.#db
        .prepare(
          'INSERT INTO tsa_status (url, next_allowed_at) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET next_allowed_at = excluded.next_allowed_at',
        )
        .run(tsa.url, new Date(this.#clock.now() + tsa.minSpacingMs).toISOString());
      try {
        const token = await this.#stamper.stamp(tsa.url, rec.record_hash);
        const at = this.#iso();
        this.#db.transaction(() => {
          this.#db
            .prepare(
              'INSERT OR REPLACE INTO tsa_tokens (session_id, seq, tsa_url, response, gen_time, stamped_at) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(sessionId, seq, tsa.url, token.response, token.genTime, at);
          this.#db.prepare('DELETE FROM tsa_queue WHERE session_id = ? AND seq <= ?').run(sessionId, seq);
          this.#db.prepare('UPDATE tsa_status SET last_success_at = ? WHERE url = ?').run(at, tsa.url);
        })();
        return;
      } catch (error) {
        const message = describe(error);
        errors.push(`${tsa.url}: ${message}`);
        this.#db
          .prepare('UPDATE tsa_status SET last_error = ?, last_error_at = ? WHERE url = ?')
          .run(message, this.#iso(), tsa.url);
        this.#logger.warn('time-stamp request failed', { tsa: tsa.url, sessionId, seq, error: message });
      }
    }
    const attempts =
      this.#db
        .prepare<[string], { a: number }>('SELECT MAX(attempts) AS a FROM tsa_queue WHERE session_id = ?')
        .get(sessionId)?.a ?? 0;
    const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempts);
    const delay = errors.length === 0 ? this.#nextSpacingMs() : backoff / 2 + this.#random() * (backoff / 2);
    this.#db
      .prepare('UPDATE tsa_queue SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? WHERE session_id = ?')
      .run(
        errors.length === 0 ? 0 : 1,
        new Date(this.#clock.now() + delay).toISOString(),
        errors.join('; ') || null,
        sessionId,
      );
  }

  #spacingAllows(tsa: TsaEndpoint): boolean {
    const row = this.#db
      .prepare<[string], { next_allowed_at: string | null }>('SELECT next_allowed_at FROM tsa_status WHERE url = ?')
      .get(tsa.url);
    return row?.next_allowed_at == null || row.next_allowed_at <= this.#iso();
  }

  #nextSpacingMs(): number {
    const rows = this.#db
      .prepare<[], { next_allowed_at: string | null }>('SELECT next_allowed_at FROM tsa_status')
      .all();
    const soonest = Math.min(...rows.map((r) => (r.next_allowed_at === null ? 0 : Date.parse(r.next_allowed_at))));
    return Math.max(100, soonest - this.#clock.now());
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const next = this.#db.prepare<[], { t: string | null }>('SELECT MIN(next_attempt_at) AS t FROM tsa_queue').get()?.t;
    if (next == null) return;
    const delay = Math.max(50, Date.parse(next) - this.#clock.now());
    this.#timer = setTimeout(
      () => {
        this.kick();
      },
      Math.min(delay, MAX_BACKOFF_MS),
    );
    this.#timer.unref();
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.slice(0, 300);
  return String(error).slice(0, 300);
}
