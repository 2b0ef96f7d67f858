import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../electron/common/model/status.ts';
import { noticesBetween } from '../../../../electron/engine/host/recording-notices.ts';
import { trayClickAction, trayMenu, trayTooltip } from '../../../../electron/engine/host/tray-menu.ts';
import type { MenuEntry, TrayAction } from '../../../../electron/engine/host/tray-menu.ts';
import { TIMESTAMP_PENDING_ALERT_MS, trayView } from '../../../../electron/engine/host/tray-view.ts';
import type { EngineLink, TrayView } from '../../../../electron/engine/host/tray-view.ts';
import { startTestEngine } from '../../../helpers/test-engine.ts';
import type { TestEngine } from '../../../helpers/test-engine.ts';

// The status every case starts from is a real engine's (real vault, index and socket), so the derivation
// is tested against the shape the engine really answers; each case then changes what it is about.
let engine: TestEngine;
let base: EngineStatus;
const NOW = Date.parse('2030-01-01T12:00:00Z');

beforeAll(async () => {
  engine = await startTestEngine();
  base = engine.engine.status();
});
afterAll(async () => {
  await engine.dispose();
});

function connected(change: (s: EngineStatus) => EngineStatus = (s) => s, hosted = true): EngineLink {
  return { state: 'connected', hosted, status: change(base) };
}
const withSessions = (active: number) => (s: EngineStatus) => ({ ...s, sessions: { ...s.sessions, active } });
const paused = (s: EngineStatus): EngineStatus => ({ ...s, recording: false });
const diskFull = (s: EngineStatus): EngineStatus => ({
  ...s,
  storage: { state: 'full', since: new Date(NOW).toISOString(), refused: 3 },
});
const screen =
  (state: EngineStatus['screen']['state'], detail: string | null = null) =>
  (s: EngineStatus) => ({
    ...s,
    screen: { ...s.screen, state, detail, recordingId: state === 'recording' ? 'rec_1' : null },
  });

function actions(entries: MenuEntry[]): Partial<Record<TrayAction, boolean>> {
  const out: Partial<Record<TrayAction, boolean>> = {};
  for (const e of entries) if (e.kind === 'action') out[e.action] = e.enabled;
  return out;
}

describe('tray state from the engine status', () => {
  it('is idle with nobody to record, and says which engine it talks to', () => {
    const view = trayView(connected(withSessions(0)), NOW);
    expect(view).toMatchObject({ state: 'idle', reachable: true, paused: false, capturing: false });
    expect(view.statusLine).toContain('waiting for an agent session');
    expect(view.engineLine).toBe('Engine: in this app');
    expect(trayView(connected(withSessions(0), false), NOW).engineLine).toBe(`Engine: aev daemon (pid ${base.pid})`);
  });

  it('is recording while an agent session is open or the screen is being recorded', () => {
    expect(trayView(connected(withSessions(2)), NOW)).toMatchObject({
      state: 'recording',
      capturing: true,
      statusLine: 'Recording · 2 agent sessions',
    });
    const screenOnly = trayView(
      connected((s) => screen('recording')(withSessions(0)(s))),
      NOW,
    );
    expect(screenOnly).toMatchObject({ state: 'recording', statusLine: 'Recording · 0 agent sessions · screen' });
  });

  it('is paused while recording is paused, with the reason when the app knows it', () => {
    const view = trayView(
      connected((s) => paused(withSessions(1)(s))),
      NOW,
      'lunch',
    );
    expect(view).toMatchObject({ state: 'paused', paused: true, capturing: false, statusLine: 'Paused: lunch' });
    expect(trayView(connected(paused), NOW).statusLine).toBe('Paused');
  });

  it('needs attention when the disk is full, the screen cannot be recorded or time-stamps are long overdue', () => {
    const full = trayView(connected(diskFull), NOW);
    expect(full.state).toBe('attention');
    expect(full.problems).toEqual([{ key: 'storage', text: 'Disk full: 3 writes refused' }]);
    const noScreen = trayView(connected(screen('unavailable', 'ffmpeg has no x11grab')), NOW);
    expect(noScreen.problems[0]?.text).toContain('ffmpeg has no x11grab');
    const overdue = (minutesAgo: number) => (s: EngineStatus) => ({
      ...s,
      sealing: {
        ...s.sealing,
        tsa: {
          ...s.sealing.tsa,
          enabled: true,
          pending: 4,
          oldestPendingSince: new Date(NOW - minutesAgo * 60_000).toISOString(),
        },
      },
    });
    expect(trayView(connected(overdue(TIMESTAMP_PENDING_ALERT_MS / 60_000 - 1)), NOW).state).toBe('idle');
    const late = trayView(connected(overdue(TIMESTAMP_PENDING_ALERT_MS / 60_000)), NOW);
    expect(late.state).toBe('attention');
    expect(late.problems[0]).toMatchObject({ key: 'timestamps' });
  });

  it('keeps "paused" in the status line when a problem takes the icon', () => {
    const view = trayView(
      connected((s) => diskFull(paused(s))),
      NOW,
    );
    expect(view).toMatchObject({ state: 'attention', paused: true, statusLine: 'Paused' });
  });

  it('needs attention when the engine cannot be reached, and shows its coded reason', () => {
    const view = trayView({ state: 'failed', code: 'E_VAULT_LOCKED', message: 'the vault is locked' }, NOW);
    expect(view).toMatchObject({ state: 'attention', reachable: false, engineLine: 'Engine: E_VAULT_LOCKED' });
    expect(view.problems).toEqual([{ key: 'engine', text: 'the vault is locked' }]);
  });
});

describe('tray menu model', () => {
  it('offers pause while recording and every screen of the app, and quits the platform way', () => {
    const view = trayView(connected(withSessions(1)), NOW);
    const menu = trayMenu(view, 'linux');
    expect(menu[0]).toEqual({ kind: 'label', label: 'Recording · 1 agent session' });
    expect(actions(menu)).toEqual({
      pause: true,
      'open-sessions': true,
      export: true,
      verify: true,
      settings: true,
      quit: true,
    });
    expect(menu.at(-1)).toMatchObject({ action: 'quit', label: 'Quit Agent Evidence' });
    expect(trayMenu(view, 'darwin').at(-1)).toMatchObject({ label: 'Quit Agent Evidence' });
    expect(trayMenu(view, 'win32').at(-1)).toMatchObject({ label: 'Exit' });
  });

  it('offers resume, not pause, while paused', () => {
    const menu = actions(trayMenu(trayView(connected(paused), NOW), 'linux'));
    expect(menu.resume).toBe(true);
    expect(menu.pause).toBeUndefined();
  });

  it('disables what needs the engine when it is down, offers to start it again, keeps verify', () => {
    const view = trayView({ state: 'failed', code: 'E_DAEMON_UNREACHABLE', message: 'gone' }, NOW);
    const menu = trayMenu(view, 'linux');
    expect(actions(menu)).toMatchObject({
      pause: false,
      retry: true,
      'open-sessions': false,
      export: false,
      verify: true,
    });
    expect(menu).toContainEqual({ kind: 'label', label: '⚠ gone' });
    // While starting there is nothing to retry yet.
    expect(actions(trayMenu(trayView({ state: 'starting' }, NOW), 'linux')).retry).toBeUndefined();
  });

  it('opens the window on a left click on Windows, and leaves the click to the menu elsewhere', () => {
    expect(trayClickAction('win32')).toBe('open-sessions');
    expect(trayClickAction('darwin')).toBeNull();
    expect(trayClickAction('linux')).toBeNull();
  });

  it('puts the first problem in the tooltip and keeps it within Windows’ 127 characters', () => {
    const long = trayView({ state: 'failed', code: 'E_IO', message: 'x'.repeat(300) }, NOW);
    expect(trayTooltip(long)).toHaveLength(127);
    expect(trayTooltip(trayView(connected(withSessions(0)), NOW))).toBe(
      'Agent Evidence: Idle · waiting for an agent session',
    );
  });
});

describe('notifications on transitions', () => {
  const idle = (): TrayView => trayView(connected(withSessions(0)), NOW);
  const recording = (): TrayView => trayView(connected(withSessions(1)), NOW);

  it('announces a start and a stop once each, not on every poll', () => {
    expect(noticesBetween(idle(), recording()).map((n) => n.kind)).toEqual(['started']);
    expect(noticesBetween(recording(), recording())).toEqual([]);
    const stop = noticesBetween(recording(), idle());
    expect(stop).toEqual([{ kind: 'stopped', title: 'Recording stopped', body: 'No agent session is open' }]);
  });

  it('says a stop is a pause when the user paused', () => {
    const pausedView = trayView(
      connected((s) => paused(withSessions(1)(s))),
      NOW,
      'meeting',
    );
    expect(noticesBetween(recording(), pausedView)).toEqual([
      { kind: 'stopped', title: 'Recording paused', body: 'Paused: meeting' },
    ]);
  });

  it('announces a failure when it appears and its recovery when it is gone', () => {
    const lost = trayView({ state: 'failed', code: 'E_DAEMON_UNREACHABLE', message: 'cannot reach the engine' }, NOW);
    const failed = noticesBetween(recording(), lost);
    expect(failed.map((n) => n.kind)).toEqual(['failed', 'stopped']);
    expect(failed[0]).toMatchObject({ title: 'Recording failed: the engine stopped', body: 'cannot reach the engine' });
    expect(noticesBetween(lost, lost)).toEqual([]);
    expect(noticesBetween(lost, recording()).map((n) => n.kind)).toEqual(['recovered', 'started']);
    const full = trayView(
      connected((s) => diskFull(withSessions(1)(s))),
      NOW,
    );
    expect(noticesBetween(recording(), full).map((n) => n.title)).toEqual(['Recording failed: the disk is full']);
  });

  it('reports only problems on the first view after start-up', () => {
    expect(noticesBetween(null, recording())).toEqual([]);
    expect(noticesBetween(null, trayView(connected(diskFull), NOW)).map((n) => n.kind)).toEqual(['failed']);
  });
});
