/**
 * One way of finding secrets in text. The regex finds candidates; the SECRET is the first named group
 * whose name starts with `secret` that took part in the match (so `Authorization: Bearer ` and the
 * quotes around a value stay readable), or the whole match when there is none.
 */
export interface RedactionPattern {
  /** Stable: it names the pattern in settings (`disable`), in `[REDACTED:<id>]` and in sealed summaries. */
  readonly id: string;
  /** Global (`g`). Built-ins also carry `d` (match indices) so secret groups are located exactly. */
  readonly regex: RegExp;
  /**
   * Lower-case strings at least one of which every match contains (in any case): when the text holds
   * none, the regex is not run. A plain substring search is many times cheaper than a regex scan, and
   * most payload strings hold none of them. Absent: always run.
   */
  readonly cues?: readonly string[];
  /** Whether a candidate really is a secret (entropy, placeholders); absent: every candidate is. */
  readonly accept?: (secret: string) => boolean;
  /** What the secret becomes. */
  readonly replacement: string;
}

/** A built-in pattern, with what it is for (docs/redaction.md lists them). */
export interface BuiltinPattern extends RedactionPattern {
  readonly description: string;
}

export function redactionMarker(id: string): string {
  return `[REDACTED:${id}]`;
}
