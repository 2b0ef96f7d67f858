import type { RedactionCount } from '../../common/model/event.ts';
import type { Redactor } from './redactor.ts';
import { redactJsonl } from './redact-jsonl.ts';
import { RedactionTally, redactionInfo } from './redaction-tally.ts';

export interface Redacted<T> {
  readonly value: T;
  /** For the media descriptor's `info.redactions` (sealed, clear), or null when nothing was redacted. */
  readonly info: string | null;
}

/**
 * Redaction as capture code sees it (transcripts, terminal headers): redact, and report what was
 * redacted so `aev status` can count it. Capture code never learns which secrets, only the summary.
 */
export class MediaRedaction {
  readonly #redactor: Redactor;
  readonly #noted: (counts: readonly RedactionCount[]) => void;

  constructor(redactor: Redactor, noted: (counts: readonly RedactionCount[]) => void) {
    this.#redactor = redactor;
    this.#noted = noted;
  }

  jsonl(bytes: Buffer): Redacted<Buffer> {
    const tally = new RedactionTally();
    return this.#done(redactJsonl(this.#redactor, bytes, tally), tally);
  }

  json<T>(value: T): Redacted<T> {
    const tally = new RedactionTally();
    return this.#done(this.#redactor.redactJson(value, tally), tally);
  }

  #done<T>(value: T, tally: RedactionTally): Redacted<T> {
    const counts = tally.toList();
    if (counts === null) return { value, info: null };
    this.#noted(counts);
    return { value, info: redactionInfo(counts) };
  }
}
