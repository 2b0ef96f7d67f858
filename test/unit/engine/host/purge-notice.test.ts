import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../electron/common/model/status.ts';
import { noticesBetween } from '../../../../electron/engine/host/recording-notices.ts';
import { trayView } from '../../../../electron/engine/host/tray-view.ts';
import type { Logger } from '../../../../electron/engine/runtime/logger.ts';
import { until } from '../../../helpers/sealing.ts';
import { startTestEngine } from '../../../helpers/test-engine.ts';
import {
  DAY_MS,
  passingClock,
  recordAgentSession,
  records,
} from '../../../integration/retention/retention-fixtures.ts';

function capturingLogger(): { readonly logger: Logger; readonly lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const view = (status: EngineStatus) => trayView({ state: 'connected', hosted: true, status }, Date.now());

describe('the first automatic purge after start is announced (real engine, socket, SQLite, vault)', () => {
  it('logs it at warn level and gives the tray one notice, not one per run or per poll', async () => {
    const time = passingClock();
    const { logger, lines } = capturingLogger();
    const t = await startTestEngine({
      clock: time.clock,
      logger,
      windowMs: 300,
      tsa: null,
      retention: { days: 90, auto: true, checkEveryMs: 50 },
    });
    try {
      const first = await recordAgentSession(t.info.socketPath, 'notice-1', 2);
      await until(() => records(t.dataRoot, first).at(-1)?.body.final === true, 10_000, 'final record');
      // Nothing is due yet: the start-up run purged nothing, so nothing is announced.
      const before = view(t.engine.status());
      expect(t.engine.status().retention).toEqual({ auto: true, firstAutoPurge: null });
      expect(noticesBetween(null, before).filter((n) => n.kind === 'purged')).toEqual([]);

      time.advance(91 * DAY_MS);
      await until(() => t.engine.status().retention?.firstAutoPurge != null, 10_000, 'the automatic purge');
      const purge = t.engine.status().retention?.firstAutoPurge;
      expect(purge).toMatchObject({ sessions: 1, policyDays: 90 });
      expect(purge?.bytes).toBeGreaterThan(0);
      const warned = lines.filter((l) => l.startsWith('warn retention: purged 1 session(s)'));
      expect(warned).toHaveLength(1);
      expect(warned[0]).toContain('the first automatic purge since start');
      expect(warned[0]).toContain(first);

      const after = view(t.engine.status());
      const notices = noticesBetween(before, after).filter((n) => n.kind === 'purged');
      expect(notices).toHaveLength(1);
      expect(notices[0]?.title).toBe('Old evidence deleted');
      expect(notices[0]?.body).toMatch(/deleted the content of 1 session that ended more than 90 days ago \(\d+ kB\)/);
      // A hosted engine purges before the app's first poll: the first view announces it too.
      expect(noticesBetween(null, after).map((n) => n.kind)).toContain('purged');
      // Polled again: not repeated.
      expect(noticesBetween(after, view(t.engine.status())).filter((n) => n.kind === 'purged')).toEqual([]);

      // A later daily run purges another session: logged as usual, no new notice.
      const second = await recordAgentSession(t.info.socketPath, 'notice-2', 2);
      await until(() => records(t.dataRoot, second).at(-1)?.body.final === true, 10_000, 'final record');
      time.advance(91 * DAY_MS);
      await until(() => records(t.dataRoot, second).at(-1)?.body.kind === 'tombstone', 10_000, 'the next daily run');
      await until(() => lines.filter((l) => l.startsWith('info retention applied')).length >= 2, 10_000, 'run logged');
      expect(t.engine.status().retention?.firstAutoPurge).toEqual(purge);
      expect(noticesBetween(after, view(t.engine.status())).filter((n) => n.kind === 'purged')).toEqual([]);
      expect(lines.filter((l) => l.startsWith('warn retention: purged'))).toHaveLength(1);
    } finally {
      await t.dispose();
    }
  }, 60_000);

  it('shows nothing for an engine that does not report retention (an older daemon the app talks to)', async () => {
    const t = await startTestEngine({ tsa: null });
    try {
      const { retention: _dropped, ...older } = t.engine.status();
      const v = view(older);
      expect(v.purge).toBeNull();
      expect(noticesBetween(null, v)).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});
