import fs from 'node:fs';

/** One look at a process from outside, through Linux's /proc (proc(5)). */
export interface ProcSample {
  /** Seconds since the soak started. */
  readonly atS: number;
  /** Resident set size in KiB (VmRSS in /proc/<pid>/status). */
  readonly rssKiB: number;
  /** Open file descriptors (entries of /proc/<pid>/fd). */
  readonly fds: number;
  /** Events acknowledged by then, all agents together. */
  readonly acked: number;
}

export function sampleProcess(pid: number, atS: number, acked: number): ProcSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (rss === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return { atS, rssKiB: Number(rss[1]), fds: fs.readdirSync(`/proc/${pid}/fd`).length, acked };
}

export interface Growth {
  /** The sample taken at the end of warm-up, the baseline for growth. */
  readonly baseline: ProcSample;
  /** Highest RSS after the baseline minus the baseline: reported, not judged (see rssTrendKiB). */
  readonly rssGrowthKiB: number;
  /**
   * Median RSS of the run's last quarter minus the median of the quarter after warm-up. RSS also holds
   * pages V8 and malloc keep for reuse and give back later, so one peak says little; a leak moves the
   * whole later part of the run up.
   */
  readonly rssTrendKiB: number;
  readonly fdGrowth: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Growth after warm-up: the highest value seen after the baseline minus the baseline. */
export function growthAfter(samples: readonly ProcSample[], warmupS: number): Growth {
  const baseline = samples.find((s) => s.atS >= warmupS) ?? samples.at(-1);
  if (baseline === undefined) throw new Error('no samples');
  const after = samples.filter((s) => s.atS >= baseline.atS);
  const end = after.at(-1)?.atS ?? baseline.atS;
  const quarter = (end - baseline.atS) / 4;
  const early = after.filter((s) => s.atS <= baseline.atS + quarter).map((s) => s.rssKiB);
  const late = after.filter((s) => s.atS >= end - quarter).map((s) => s.rssKiB);
  return {
    baseline,
    rssGrowthKiB: Math.max(...after.map((s) => s.rssKiB)) - baseline.rssKiB,
    rssTrendKiB: median(late) - median(early),
    fdGrowth: Math.max(...after.map((s) => s.fds)) - baseline.fds,
  };
}
