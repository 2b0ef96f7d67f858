import type { Database, Statement } from 'better-sqlite3';
import type { RedactionCount } from '../../common/model/event.ts';
import type { RedactionStatus } from '../../common/model/status.ts';
import type { Redactor } from './redactor.ts';
import { RedactionTally } from './redaction-tally.ts';

/**
 * What `aev status` says about redaction. Event counts come from the index (the clear `redactions`
 * column, migration 006, read through its partial index so only redacted events are visited); media
 * redactions (transcripts, terminal headers) are counted in memory for this run, since their summaries
 * live in media descriptors that would take a scan of every video fragment to sum.
 */
export class RedactionStats {
  readonly #redactor: Redactor | null;
  readonly #count: Statement<[], { n: number }>;
  readonly #byPattern: Statement<[], RedactionCount>;
  readonly #media = new RedactionTally();
  #mediaItems = 0;

  constructor(db: Database, redactor: Redactor | null) {
    this.#redactor = redactor;
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM events WHERE redactions IS NOT NULL');
    this.#byPattern = db.prepare(
      `SELECT json_extract(j.value, '$.pattern') AS pattern, SUM(json_extract(j.value, '$.count')) AS count
         FROM events e, json_each(e.redactions) j
        WHERE e.redactions IS NOT NULL
        GROUP BY 1 ORDER BY 1`,
    );
  }

  /** A media item was stored with these redactions. */
  noteMedia(counts: readonly RedactionCount[]): void {
    this.#mediaItems += 1;
    for (const c of counts) this.#media.add(c.pattern, c.count);
  }

  status(): RedactionStatus {
    return {
      enabled: this.#redactor !== null,
      patterns: this.#redactor?.ids ?? [],
      events: this.#count.get()?.n ?? 0,
      eventsByPattern: this.#byPattern.all(),
      mediaThisRun: this.#mediaItems,
      mediaByPattern: this.#media.toList() ?? [],
    };
  }
}
