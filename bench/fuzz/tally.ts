import fs from 'node:fs';
import path from 'node:path';

/** Counts of what was sent and what came back, merged across lanes for the summary. */
export interface Anomaly {
  readonly kind: string;
  readonly where: string;
  readonly detail: string;
}

const KEPT_ANOMALIES = 40;

export class Tally {
  /** Frames (socket lines or chunks, HTTP requests) sent per category. */
  readonly frames = new Map<string, number>();
  /** Connections opened per category. */
  readonly connections = new Map<string, number>();
  readonly mutations = new Map<string, number>();
  /** Socket answers by type, and error answers by code. */
  readonly answers = new Map<string, number>();
  readonly errorCodes = new Map<string, number>();
  /** HTTP answers by status, and by the engine's error code in the body. */
  readonly httpStatus = new Map<string, number>();
  /** Milliseconds spent in each category's scenarios, summed over lanes. */
  readonly ms = new Map<string, number>();
  /** How connections ended or how long slow clients were tolerated. */
  readonly outcomes = new Map<string, number>();
  readonly anomalies: Anomaly[] = [];
  anomalyCount = 0;
  /** Where the bytes behind an anomaly are saved, to replay it (null: not saved). */
  readonly artifactDir: string | null;
  readonly artifacts: string[] = [];

  constructor(artifactDir: string | null = null) {
    this.artifactDir = artifactDir;
  }

  add(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  anomaly(kind: string, where: string, detail: string, sent?: readonly Buffer[]): void {
    this.anomalyCount += 1;
    this.add(this.outcomes, `anomaly:${kind}`);
    if (this.anomalies.length < KEPT_ANOMALIES) this.anomalies.push({ kind, where, detail: detail.slice(0, 300) });
    if (sent !== undefined && this.artifactDir !== null && this.artifacts.length < KEPT_ANOMALIES) {
      // The exact bytes that connection sent, to replay with `nc -U <socket> < file` or a test.
      fs.mkdirSync(this.artifactDir, { recursive: true });
      const file = path.join(this.artifactDir, `${where.replace(/[^A-Za-z0-9#._-]+/g, '_')}-${kind}.bin`);
      fs.writeFileSync(file, Buffer.concat(sent));
      // How the bytes were cut into writes: frames straddling reads are part of what is being tested.
      fs.writeFileSync(`${file}.writes`, `${sent.map((b) => b.length).join('\n')}\n`);
      this.artifacts.push(file);
    }
  }

  get totalFrames(): number {
    let n = 0;
    for (const v of this.frames.values()) n += v;
    return n;
  }
}

export function sortedEntries(map: ReadonlyMap<string, number>): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
