/**
 * Finds, in one pass over a text, which of the patterns' cues it holds (RedactionPattern.cues), in any
 * case. One case-insensitive scan replaces a scan per pattern: most payload strings hold no cue at all,
 * and a long one (a file the agent read) holds a few, so most patterns never run on it.
 */
export class CueScanner {
  readonly #regex: RegExp;
  readonly #total: number;
  /** A cue found implies every cue inside it (`sk-ant-` holds `sk-`): the scan reports the longest. */
  readonly #implied: ReadonlyMap<string, readonly string[]>;

  constructor(cues: readonly string[]) {
    const unique = [...new Set(cues)].sort((a, b) => b.length - a.length);
    this.#regex = new RegExp(unique.map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'gi');
    this.#total = unique.length;
    this.#implied = new Map(unique.map((c) => [c, unique.filter((other) => c.includes(other))]));
  }

  scan(text: string): ReadonlySet<string> {
    const found = new Set<string>();
    const re = this.#regex;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      for (const cue of this.#implied.get(m[0].toLowerCase()) ?? []) found.add(cue);
      if (found.size === this.#total) break;
      // Overlapping: `://` inside `https://` is found at its own position.
      re.lastIndex = m.index + 1;
    }
    return found;
  }
}
