import { AevError } from '../../common/errors.ts';
import { SECRET_FIELD_ID } from './builtin-patterns.ts';
import { CueScanner } from './cue-scanner.ts';
import type { RedactionPattern } from './redaction-pattern.ts';
import { redactionMarker } from './redaction-pattern.ts';
import type { RedactionTally } from './redaction-tally.ts';
import { isPlaceholder, isSecretName } from './secret-names.ts';

interface Span {
  start: number;
  end: number;
  /** Index of the pattern in the redactor's list: lower is more specific and names the redaction. */
  rank: number;
}

/** Deeper JSON is not walked: the endpoint refuses more than 256 levels; a transcript line falls back to text. */
export const MAX_REDACT_DEPTH = 512;

/** No built-in pattern matches anything shorter (`TOKEN=x`). */
const BUILTIN_MIN_LENGTH = 7;

/** Key names seen again and again (`command`, `tool_input`): the verdict is cached, up to this many. */
const NAME_CACHE_LIMIT = 4096;

export interface RedactorOptions {
  /** Redact string values whose JSON key says they are secret (pattern id `secret-field`). */
  readonly secretFields: boolean;
  /** Custom patterns can match short strings; built-ins need at least BUILTIN_MIN_LENGTH characters. */
  readonly minLength?: number;
}

/**
 * Replaces secrets in text and in JSON values (docs/redaction.md). Every pattern runs over the
 * ORIGINAL text; overlapping finds are merged into one replacement named by the most specific pattern,
 * so a secret is never left half-visible because two patterns disagreed about where it ends. JSON is
 * copied on write: a value with nothing to redact is returned as the same object.
 */
export class Redactor {
  readonly #patterns: readonly RedactionPattern[];
  readonly #secretFields: boolean;
  readonly #minLength: number;
  readonly #names = new Map<string, boolean>();
  /** Which cues a text holds; null when no pattern has cues. */
  readonly #cues: CueScanner | null;
  /** Every pattern has cues (no custom pattern): a text without any cue is skipped at once. */
  readonly #allCued: boolean;

  constructor(patterns: readonly RedactionPattern[], options: RedactorOptions) {
    this.#patterns = patterns;
    this.#secretFields = options.secretFields;
    this.#minLength = options.minLength ?? BUILTIN_MIN_LENGTH;
    const cues = patterns.flatMap((p) => p.cues ?? []);
    this.#cues = cues.length === 0 ? null : new CueScanner(cues);
    this.#allCued = patterns.every((p) => p.cues !== undefined);
  }

  /** The pattern ids in force, in precedence order. */
  get ids(): readonly string[] {
    return [...this.#patterns.map((p) => p.id), ...(this.#secretFields ? [SECRET_FIELD_ID] : [])];
  }

  redactText(text: string, tally: RedactionTally): string {
    const spans = this.#find(text);
    return spans === null ? text : this.#replace(text, spans, tally);
  }

  /** Redacts every string nested in `value`; keys are kept. Returns `value` itself when nothing changed. */
  redactJson<T>(value: T, tally: RedactionTally): T {
    return this.#walk(value, null, tally, 0) as T;
  }

  #walk(value: unknown, key: string | null, tally: RedactionTally, depth: number): unknown {
    if (typeof value === 'string') return this.#redactString(value, key, tally);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_REDACT_DEPTH)
      throw new AevError('E_SCHEMA', `JSON nested deeper than ${String(MAX_REDACT_DEPTH)} levels`);
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        // Elements inherit the array's key: {"api_keys": […]} is a list of secrets.
        const out = this.#walk(item, key, tally, depth + 1);
        if (out !== item) (copy ??= [...(value as unknown[])])[i] = out;
      }
      return copy ?? value;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    let entries: [string, unknown][] | null = null;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const item = record[k];
      const out = this.#walk(item, k, tally, depth + 1);
      if (out === item) continue;
      entries ??= keys.map((name) => [name, record[name]]);
      entries[i] = [k, out];
    }
    // fromEntries defines own properties, so a `__proto__` key stays a key and never becomes a prototype.
    return entries === null ? value : Object.fromEntries(entries);
  }

  #redactString(text: string, key: string | null, tally: RedactionTally): string {
    if (key === null || !this.#secretFields || !this.#isSecretName(key) || isPlaceholder(text))
      return this.redactText(text, tally);
    // The key says the whole value is secret; a pattern that recognizes it names it more precisely.
    const spans = this.#find(text);
    let rank = -1;
    for (const s of spans ?? []) if (rank < 0 || s.rank < rank) rank = s.rank;
    const pattern = rank < 0 ? undefined : this.#patterns[rank];
    tally.add(pattern?.id ?? SECRET_FIELD_ID);
    return pattern?.replacement ?? redactionMarker(SECRET_FIELD_ID);
  }

  #isSecretName(key: string): boolean {
    const known = this.#names.get(key);
    if (known !== undefined) return known;
    const verdict = isSecretName(key);
    if (this.#names.size < NAME_CACHE_LIMIT) this.#names.set(key, verdict);
    return verdict;
  }

  #find(text: string): Span[] | null {
    if (text.length < this.#minLength) return null;
    const present = this.#cues?.scan(text) ?? null;
    if (present !== null && present.size === 0 && this.#allCued) return null;
    let spans: Span[] | null = null;
    for (let rank = 0; rank < this.#patterns.length; rank++) {
      const pattern = this.#patterns[rank] as RedactionPattern;
      if (present !== null && pattern.cues !== undefined && !pattern.cues.some((c) => present.has(c))) continue;
      const re = pattern.regex;
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex += 1;
          continue;
        }
        const [start, end] = secretSpan(m);
        if (end <= start) continue;
        if (pattern.accept !== undefined && !pattern.accept(text.slice(start, end))) continue;
        (spans ??= []).push({ start, end, rank });
      }
    }
    return spans;
  }

  #replace(text: string, spans: Span[], tally: RedactionTally): string {
    spans.sort((a, b) => a.start - b.start || a.rank - b.rank);
    const parts: string[] = [];
    let at = 0;
    let i = 0;
    while (i < spans.length) {
      const first = spans[i] as Span;
      let { end, rank } = first;
      for (i += 1; i < spans.length && (spans[i] as Span).start < end; i++) {
        const next = spans[i] as Span;
        end = Math.max(end, next.end);
        rank = Math.min(rank, next.rank);
      }
      const pattern = this.#patterns[rank] as RedactionPattern;
      parts.push(text.slice(at, first.start), pattern.replacement);
      tally.add(pattern.id);
      at = end;
    }
    parts.push(text.slice(at));
    return parts.join('');
  }
}

/**
 * Where the secret is in a match: the first participating group named `secret…` (built-ins carry the
 * `d` flag, so its indices are exact); for patterns on V8's linear-time engine, which has no `d`, a
 * group named `secret` is located from the end of the match (where such groups sit); else the match.
 */
function secretSpan(m: RegExpExecArray): readonly [number, number] {
  const groups = m.indices?.groups;
  if (groups !== undefined) {
    for (const name in groups) {
      const span = groups[name];
      if (name.startsWith('secret') && span !== undefined) return span;
    }
  } else {
    const secret = m.groups?.secret;
    if (secret !== undefined) {
      const at = m.index + m[0].lastIndexOf(secret);
      return [at, at + secret.length];
    }
  }
  return [m.index, m.index + m[0].length];
}
