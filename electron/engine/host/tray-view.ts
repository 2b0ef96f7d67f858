import type { ErrorCode } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';

/** The four icons of the tray (issue #6): what the user sees at a glance. */
export const TRAY_STATES = ['idle', 'recording', 'paused', 'attention'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

/**
 * Where the app stands with its engine. `hosted` says whether the engine runs in the app's own utility
 * process or in an `aev daemon` that was already running for the data root (docs/desktop-app.md).
 */
export type EngineLink =
  | { readonly state: 'starting' }
  | { readonly state: 'connected'; readonly hosted: boolean; readonly status: EngineStatus }
  | { readonly state: 'failed'; readonly code: ErrorCode; readonly message: string };

/** Something that needs the user: keyed so a notice is given once per problem, not once per poll. */
export interface Problem {
  readonly key: 'engine' | 'storage' | 'screen' | 'timestamps';
  readonly text: string;
}

export interface TrayView {
  readonly state: TrayState;
  readonly statusLine: string;
  /** Second line: which engine the app talks to. */
  readonly engineLine: string;
  readonly problems: readonly Problem[];
  /** The engine answers: control actions (pause, export, ...) can work. */
  readonly reachable: boolean;
  readonly paused: boolean;
  /** Evidence is being captured right now: an agent session is open or the screen is being recorded. */
  readonly capturing: boolean;
  /** The engine's first automatic purge since it started, once there was one (docs/retention.md). */
  readonly purge: PurgeNote | null;
}

/** Keyed by when the purge ran, so each engine run's first purge is announced once. */
export interface PurgeNote {
  readonly at: string;
  readonly text: string;
}

/** Time-stamps still missing after this long are a problem worth a look (invariant I3: visible, never silent). */
export const TIMESTAMP_PENDING_ALERT_MS = 15 * 60_000;

/**
 * Derives what the tray shows from the engine's status. Priority: attention (something is wrong and
 * evidence may be missing), then paused (the user stopped recording on purpose), then recording, then idle.
 */
export function trayView(link: EngineLink, nowMs: number, pausedReason: string | null = null): TrayView {
  switch (link.state) {
    case 'starting':
      return {
        state: 'idle',
        statusLine: 'Starting the recorder…',
        engineLine: 'Engine: starting',
        problems: [],
        reachable: false,
        paused: false,
        capturing: false,
        purge: null,
      };
    case 'failed':
      return {
        state: 'attention',
        statusLine: 'Not recording: the engine is not running',
        engineLine: `Engine: ${link.code}`,
        problems: [{ key: 'engine', text: link.message }],
        reachable: false,
        paused: false,
        capturing: false,
        purge: null,
      };
    case 'connected':
      return connectedView(link.status, link.hosted, nowMs, pausedReason);
  }
}

function connectedView(status: EngineStatus, hosted: boolean, nowMs: number, pausedReason: string | null): TrayView {
  const problems = problemsOf(status, nowMs);
  const paused = !status.recording;
  const agents = status.sessions.active;
  const screenOn = status.screen.state === 'recording';
  const capturing = !paused && (agents > 0 || screenOn);
  const engineLine = hosted ? 'Engine: in this app' : `Engine: aev daemon (pid ${status.pid})`;
  let state: TrayState;
  let statusLine: string;
  if (paused) {
    state = 'paused';
    statusLine = pausedReason === null ? 'Paused' : `Paused: ${pausedReason}`;
  } else if (capturing) {
    state = 'recording';
    const sessions = `${agents} agent session${agents === 1 ? '' : 's'}`;
    statusLine = `Recording · ${sessions}${screenOn ? ' · screen' : ''}`;
  } else {
    state = 'idle';
    statusLine = 'Idle · waiting for an agent session';
  }
  // Problems override the icon but keep the status line, so "paused" and "disk full" are both visible.
  if (problems.length > 0) state = 'attention';
  return { state, statusLine, engineLine, problems, reachable: true, paused, capturing, purge: purgeNote(status) };
}

function purgeNote(status: EngineStatus): PurgeNote | null {
  const p = status.retention?.firstAutoPurge ?? null;
  if (p === null) return null;
  const sessions = `${String(p.sessions)} session${p.sessions === 1 ? '' : 's'}`;
  return {
    at: p.at,
    text:
      `The retention policy deleted the content of ${sessions} that ended more than ${String(p.policyDays)} days ` +
      `ago (${megabytes(p.bytes)}). Signed tombstones keep the proof of what was deleted.`,
  };
}

function megabytes(bytes: number): string {
  return bytes < 1_000_000 ? `${String(Math.max(1, Math.round(bytes / 1000)))} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function problemsOf(status: EngineStatus, nowMs: number): Problem[] {
  const out: Problem[] = [];
  if (status.storage.state === 'full')
    out.push({
      key: 'storage',
      text: `Disk full: ${status.storage.refused} write${status.storage.refused === 1 ? '' : 's'} refused`,
    });
  if (status.screen.state === 'unavailable')
    out.push({ key: 'screen', text: `Screen recording unavailable: ${status.screen.detail ?? 'no detail'}` });
  const since = status.sealing.tsa.oldestPendingSince;
  if (status.sealing.tsa.enabled && since !== null && nowMs - Date.parse(since) >= TIMESTAMP_PENDING_ALERT_MS)
    out.push({
      key: 'timestamps',
      text: `${status.sealing.tsa.pending} record${status.sealing.tsa.pending === 1 ? '' : 's'} waiting for a time-stamp since ${since}`,
    });
  return out;
}
