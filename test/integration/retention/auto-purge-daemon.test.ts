import { afterAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { noticesBetween } from '../../../electron/engine/host/recording-notices.ts';
import { trayView } from '../../../electron/engine/host/tray-view.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { until } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { DAY_MS, passingClock, recordAgentSession, records } from './retention-fixtures.ts';

const FIRST_PURGE =
  /warn retention: purged 1 session\(s\) \(\d+ bytes\) under the 90-day policy, the first automatic purge since start/;

describe('aev daemon: the first automatic purge after start', () => {
  const work = makeTempDir();
  afterAll(() => {
    work.cleanup();
  });

  it('is said on stderr and in the status the tray reads; with AEV_RETENTION_AUTO=off nothing is purged', async () => {
    // A session recorded 100 days ago (an engine on a clock set back), then the real daemon starts today.
    const past = passingClock(-100 * DAY_MS);
    const t = await startTestEngine({
      clock: past.clock,
      windowMs: 300,
      tsa: null,
      retention: { days: 90, auto: false, checkEveryMs: 60_000 },
    });
    let daemon: DaemonProcess | null = null;
    try {
      const session = await recordAgentSession(t.info.socketPath, 'daemon-purge', 2);
      await until(() => records(t.dataRoot, session).at(-1)?.body.final === true, 10_000, 'final record');
      await t.engine.stop();
      const env = testEnv(t.dataRoot);
      const status = async (): Promise<EngineStatus> =>
        JSON.parse((await runAev(['status', '--json'], env)).stdout) as EngineStatus;

      daemon = await startDaemon(t.dataRoot, { AEV_RETENTION_AUTO: 'off' });
      expect((await status()).retention).toEqual({ auto: false, firstAutoPurge: null });
      expect(await daemon.stop()).toBe(0);
      expect(daemon.stderr()).not.toMatch(/retention: purged/);
      expect(records(t.dataRoot, session).at(-1)?.body.kind).not.toBe('tombstone');

      daemon = await startDaemon(t.dataRoot, { AEV_RETENTION_AUTO: 'on', AEV_RETENTION_DAYS: '90' });
      const d = daemon;
      await until(() => FIRST_PURGE.test(d.stderr()), 15_000, 'the first-purge line');
      expect(d.stderr()).toContain(session);
      const s = await status();
      expect(s.retention?.firstAutoPurge).toMatchObject({ sessions: 1, policyDays: 90 });
      const notices = noticesBetween(null, trayView({ state: 'connected', hosted: false, status: s }, Date.now()));
      expect(notices.filter((n) => n.kind === 'purged').map((n) => n.title)).toEqual(['Old evidence deleted']);
      expect(await daemon.stop()).toBe(0);
      daemon = null;
      expect(records(t.dataRoot, session).at(-1)?.body.kind).toBe('tombstone');
    } finally {
      await daemon?.stop();
      await t.dispose();
    }
  }, 90_000);
});
