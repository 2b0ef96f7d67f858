import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FrameContext } from './base-frames.ts';
import { finalChecks } from './checks.ts';
import type { Check } from './checks.ts';
import { startFuzzDaemon } from './fuzz-daemon.ts';
import type { DaemonMode, FuzzDaemon, Memory } from './fuzz-daemon.ts';
import { appendTranscript, hostileTranscriptPaths } from './hostile-files.ts';
import { HTTP_CATEGORIES, HTTP_WEIGHTS, httpCase } from './http-cases.ts';
import type { HttpCategory, HttpTarget } from './http-cases.ts';
import { httpExchange } from './http-probe.ts';
import { MUTATIONS } from './mutations.ts';
import type { MutationName } from './mutations.ts';
import { Rng } from './rng.ts';
import { SLOW_CATEGORIES, runSlowCase } from './slow-cases.ts';
import type { SlowCategory } from './slow-cases.ts';
import { SOCKET_CATEGORIES, SOCKET_WEIGHTS, runBurstFlood, runSocketScenario } from './socket-scenarios.ts';
import type { LaneEnv, SocketCategory } from './socket-scenarios.ts';
import { SteadyHttpClient, SteadySocketClient } from './steady-clients.ts';
import type { SteadyStats } from './steady-clients.ts';
import { Tally } from './tally.ts';
import type { Anomaly } from './tally.ts';

export const ALL_CATEGORIES: readonly string[] = [
  ...SOCKET_CATEGORIES,
  'rate-limit-flood',
  ...HTTP_CATEGORIES,
  ...SLOW_CATEGORIES,
];

/** Frames of the one connection that goes past the rate limit's 20,000-frame burst (runs of 50,000 frames or more). */
const BURST_FLOOD_FRAMES = 22_000;

export interface FuzzOptions {
  /** Frames the main lanes send in all (socket lines and HTTP requests); slow clients come on top. */
  readonly frames: number;
  readonly seed: number;
  readonly mode: DaemonMode;
  /** Concurrent socket lanes (the HTTP lanes and the slow lane run beside them). */
  readonly socketLanes: number;
  readonly httpLanes: number;
  /** How long one connection may take to answer everything before it counts as a hang. */
  readonly settleMs: number;
  /** How long a slow client (slowloris, drip, idle) is kept going at most. */
  readonly slowMs: number;
  /** Scenario categories and mutation names to leave out (to work around a known bug, say so). */
  readonly skip: readonly string[];
  readonly keep: boolean;
  readonly progress: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<FuzzOptions, 'progress'> = {
  frames: 100_000,
  seed: 1,
  mode: 'dist',
  socketLanes: 6,
  httpLanes: 2,
  settleMs: 30_000,
  slowMs: 12_000,
  skip: [],
  keep: false,
};

export interface FuzzReport {
  readonly seed: number;
  readonly framesTarget: number;
  readonly framesSent: number;
  readonly mode: DaemonMode;
  readonly skipped: readonly string[];
  readonly wallMs: number;
  readonly fuzzMs: number;
  readonly frames: Readonly<Record<string, number>>;
  readonly connections: Readonly<Record<string, number>>;
  /** Time spent per category, summed over the lanes that ran it. */
  readonly ms: Readonly<Record<string, number>>;
  readonly mutations: Readonly<Record<string, number>>;
  readonly answers: Readonly<Record<string, number>>;
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly httpStatus: Readonly<Record<string, number>>;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly anomalyCount: number;
  readonly anomalies: readonly Anomaly[];
  /** Files holding the bytes sent on connections with anomalies. */
  readonly artifacts: readonly string[];
  readonly steady: { readonly socket: SteadyStats | null; readonly http: SteadyStats | null };
  /** RSS when the daemon was ready, when the fuzzing ended, and after the checks (just before SIGTERM). */
  readonly memory: {
    readonly before: Memory | null;
    readonly after: Memory | null;
    readonly beforeStop: Memory | null;
  };
  /** The daemon's open file descriptors before the fuzzing and once every client had gone. */
  readonly fds: { readonly before: number | null; readonly after: number | null };
  readonly daemonLog: { readonly levels: Readonly<Record<string, number>>; readonly tail: readonly string[] };
  readonly dataRoot: string | null;
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

function pickFrom<K extends string>(
  rng: Rng,
  weights: Readonly<Record<K, number>>,
  skip: ReadonlySet<string>,
): K | null {
  const live = Object.fromEntries(Object.entries(weights).filter(([k]) => !skip.has(k))) as Record<K, number>;
  return Object.keys(live).length === 0 ? null : rng.weighted(live);
}

/** Starts a daemon, fuzzes it from every lane at once beside the well-behaved clients, then checks. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-fuzz-'));
  const daemon = await startFuzzDaemon(options.mode, work);
  try {
    return await fuzzAndCheck(options, daemon, work, started);
  } catch (error) {
    // A fuzzer bug must not leave a daemon behind.
    if (daemon.exit() === null) await daemon.stop();
    throw error;
  } finally {
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

async function fuzzAndCheck(
  options: FuzzOptions,
  daemon: FuzzDaemon,
  work: string,
  started: number,
): Promise<FuzzReport> {
  const skip = new Set(options.skip);
  const mutations: MutationName[] = MUTATIONS.filter((m) => !skip.has(m));
  const transcriptDir = path.join(work, 'transcripts');
  const transcriptPaths = hostileTranscriptPaths(transcriptDir);
  const artifactDir = path.join(os.tmpdir(), `aev-fuzz-anomalies-${options.seed}-${process.pid}`);
  const tally = new Tally(artifactDir);
  const knownSessions: string[] = [];
  const target: HttpTarget = { port: daemon.http.port, token: daemon.http.token };
  const dead = (): boolean => daemon.exit() !== null;
  const memoryBefore = daemon.memory();
  const fdsBefore = daemon.openFds();

  const steadySocket = await SteadySocketClient.start(daemon.socketPath, `steady-socket-${options.seed}`, 5);
  const steadyHttp = new SteadyHttpClient(daemon.http.url, daemon.http.token, `steady-http-${options.seed}`, 20);
  steadyHttp.start();

  const burst = options.frames >= 50_000 && !skip.has('rate-limit-flood') ? BURST_FLOOD_FRAMES : 0;
  const httpShare = Math.round(options.frames * 0.1);
  const socketShare = options.frames - httpShare - burst;
  const laneEnv = (lane: string, laneBudget: number): LaneEnv => {
    const ctx: FrameContext = { rng: Rng.derive(options.seed, lane), lane, transcriptPaths, knownSessions };
    return {
      socketPath: daemon.socketPath,
      tally,
      ctx,
      mutations,
      settleMs: options.settleMs,
      knownSessions,
      where: lane,
      laneBudget,
    };
  };

  const socketLane = async (i: number): Promise<void> => {
    const budget = Math.floor(socketShare / options.socketLanes) + (i < socketShare % options.socketLanes ? 1 : 0);
    const base = laneEnv(`socket${i}`, budget);
    let used = 0;
    for (let n = 0; used < budget && !dead(); n++) {
      const category = pickFrom<SocketCategory>(base.ctx.rng, SOCKET_WEIGHTS, skip);
      if (category === null) return;
      const t0 = performance.now();
      used += await runSocketScenario(category, { ...base, where: `socket${i}#${n}` }, budget - used);
      tally.add(tally.ms, category, performance.now() - t0);
      if (n % 50 === 0) appendTranscript(transcriptDir, JSON.stringify({ lane: i, n }));
    }
  };
  const httpLane = async (i: number): Promise<void> => {
    const budget = Math.floor(httpShare / options.httpLanes) + (i < httpShare % options.httpLanes ? 1 : 0);
    const env = laneEnv(`http${i}`, budget);
    let used = 0;
    for (let n = 0; used < budget && !dead(); n++) {
      const category = pickFrom<HttpCategory>(env.ctx.rng, HTTP_WEIGHTS, skip);
      if (category === null) return;
      const c = httpCase(category, env.ctx, target, mutations);
      for (const m of c.mutations) tally.add(tally.mutations, m);
      tally.add(tally.frames, category, c.requests);
      tally.add(tally.connections, category);
      // An incomplete request is the client's stall: the engine may wait for it, we do not.
      const r = await httpExchange(
        target.port,
        c.chunks,
        c.complete ? options.settleMs : Math.min(1000, options.slowMs),
      );
      tally.add(tally.ms, category, r.ms);
      for (const s of r.statuses) tally.add(tally.httpStatus, `HTTP ${s}`);
      for (const code of r.codes) tally.add(tally.errorCodes, `${code} (http)`);
      if (r.statuses.length === 0)
        tally.add(tally.outcomes, `http no status (${r.error ?? (r.closedByServer ? 'closed' : 'timeout')})`);
      if (c.mustRefuse && r.statuses.includes(200))
        tally.anomaly('http-accepted-hostile', `http${i}#${n} ${category}`, `answered 200 to a request it must refuse`);
      if (c.complete && r.statuses.length === 0 && !r.closedByServer)
        tally.anomaly(
          'http-unanswered',
          `http${i}#${n} ${category}`,
          `no answer and no close in ${options.settleMs} ms`,
        );
      if (r.statuses.some((s) => s >= 500))
        tally.anomaly(
          'http-5xx',
          `http${i}#${n} ${category}`,
          `statuses ${r.statuses.join(',')}: ${r.codes.join(',')}`,
        );
      used += c.requests;
    }
  };
  // Slow clients: a fixed number of cases (so the seed decides them), a few at a time.
  const slowCases = Math.max(4, Math.round(options.frames / 2500));
  let slowNext = 0;
  const slowLane = async (k: number): Promise<void> => {
    const env = laneEnv(`slow${k}`, 0);
    const http = target;
    while (slowNext < slowCases && !dead()) {
      const n = slowNext++;
      const live = SLOW_CATEGORIES.filter((c) => !skip.has(c));
      if (live.length === 0) return;
      const category: SlowCategory = live[n % live.length] ?? 'slow-drip';
      const t0 = performance.now();
      await runSlowCase(category, { ...env, where: `slow#${n}` }, http, options.slowMs);
      tally.add(tally.ms, category, performance.now() - t0);
    }
  };

  const fuzzStart = performance.now();
  const ticker = setInterval(() => {
    const mem = daemon.memory();
    options.progress(
      `  ${tally.totalFrames.toLocaleString('en-US')} frames, ${Math.round((performance.now() - fuzzStart) / 1000)} s, daemon RSS ${mem === null ? '?' : `${Math.round(mem.rssKiB / 1024)} MiB`}${dead() ? ', DAEMON GONE' : ''}`,
    );
  }, 5000);
  await Promise.all([
    ...Array.from({ length: options.socketLanes }, (_, i) => socketLane(i)),
    ...Array.from({ length: options.httpLanes }, (_, i) => httpLane(i)),
    ...Array.from({ length: 4 }, (_, k) => slowLane(k)),
    (async () => {
      if (burst === 0) return;
      const t0 = performance.now();
      await runBurstFlood(laneEnv('burst', burst), burst);
      tally.add(tally.ms, 'rate-limit-flood', performance.now() - t0);
    })(),
  ]);
  clearInterval(ticker);
  const fuzzMs = performance.now() - fuzzStart;

  const socketStats = await steadySocket.stop(30_000);
  const httpStats = await steadyHttp.stop();
  const memoryAfter = daemon.memory();
  // Every client is gone now; give the engine a moment to see the last of them close.
  await new Promise((r) => setTimeout(r, 1500));
  const fds = { before: fdsBefore, after: daemon.openFds() };
  const { checks, memoryBeforeStop } = await finalChecks(
    daemon,
    { socket: socketStats, http: httpStats },
    tally,
    fds,
    options.progress,
  );
  const report: FuzzReport = {
    seed: options.seed,
    framesTarget: options.frames,
    framesSent: tally.totalFrames,
    mode: options.mode,
    skipped: [...skip],
    wallMs: performance.now() - started,
    fuzzMs,
    frames: Object.fromEntries(tally.frames),
    connections: Object.fromEntries(tally.connections),
    ms: Object.fromEntries([...tally.ms].map(([k, v]) => [k, Math.round(v)])),
    mutations: Object.fromEntries(tally.mutations),
    answers: Object.fromEntries(tally.answers),
    errorCodes: Object.fromEntries(tally.errorCodes),
    httpStatus: Object.fromEntries(tally.httpStatus),
    outcomes: Object.fromEntries(tally.outcomes),
    anomalyCount: tally.anomalyCount,
    anomalies: tally.anomalies,
    artifacts: tally.artifacts,
    steady: { socket: socketStats, http: httpStats },
    memory: { before: memoryBefore, after: memoryAfter, beforeStop: memoryBeforeStop },
    fds,
    daemonLog: daemon.log(),
    dataRoot: options.keep ? daemon.dataRoot : null,
    checks,
    ok: checks.every((c) => c.ok),
  };
  return report;
}
