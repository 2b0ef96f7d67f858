import type { RedactionCount } from '../../common/model/event.ts';

/** Counts redactions by pattern id while a payload, a transcript chunk or a header is redacted. */
export class RedactionTally {
  readonly #counts = new Map<string, number>();
  #total = 0;

  add(patternId: string, count = 1): void {
    this.#counts.set(patternId, (this.#counts.get(patternId) ?? 0) + count);
    this.#total += count;
  }

  addAll(other: RedactionTally): void {
    for (const [id, n] of other.#counts) this.add(id, n);
  }

  get total(): number {
    return this.#total;
  }

  /** Sorted by pattern id, so the same redactions always serialize to the same sealed bytes. */
  toList(): RedactionCount[] | null {
    if (this.#total === 0) return null;
    return [...this.#counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([pattern, count]) => ({ pattern, count }));
  }
}

/** The clear, flat form a media descriptor's `info` can hold: `github-token:1,private-key:2`. */
export function redactionInfo(counts: readonly RedactionCount[]): string {
  return counts.map((c) => `${c.pattern}:${String(c.count)}`).join(',');
}
