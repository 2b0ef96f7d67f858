import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetentionStatus } from '../../../electron/engine/retention/retention-types.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { startHookLoad, startTerminalLoad } from '../faults/fault-load.ts';
import { DAY_MS, existing, objectFiles, passingClock, records } from './retention-fixtures.ts';

/**
 * kill -9 of a real daemon in the middle of `aev retention apply`, then a restart: whatever point the
 * kill hit, the store verifies (content gone under a tombstone is PURGED, content still there is
 * checked), and the restarted engine finishes the interrupted purge on its own.
 */
describe('retention apply killed with -9 (real daemon, openssl TSA)', () => {
  let tsa: OpensslTsa;
  beforeAll(async () => {
    tsa = await startOpensslTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });

  it('verifies after the kill and finishes the purge at restart', async () => {
    const tsaConfig = { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 };
    // Recorded 120 days ago: an engine in this process on a clock set back, with terminals and hooks under load.
    const past = passingClock(-120 * DAY_MS);
    const recorder = await startTestEngine({ clock: past.clock, windowMs: 300, tsa: tsaConfig });
    const dataRoot = recorder.dataRoot;
    try {
      await purgeKilledAndResumed(recorder, dataRoot);
    } finally {
      await recorder.dispose();
    }
  }, 120_000);

  async function purgeKilledAndResumed(recorder: TestEngine, dataRoot: string): Promise<void> {
    const sessions: string[] = [];
    try {
      const terminals = await Promise.all(
        ['t_k9_a', 't_k9_b', 't_k9_c'].map((id) => startTerminalLoad(recorder.info.socketPath, id, 5)),
      );
      const hooks = startHookLoad(recorder.info.socketPath, ['k9-agent'], 4, 20);
      await new Promise((r) => setTimeout(r, 4000));
      await hooks.stop();
      for (const term of terminals) await term.stop();
      sessions.push(...terminals.map((term) => term.sessionId()!), hooks.result.acked[0]!.sessionId);
    } finally {
      // The clean stop ends the terminals and the agent session stays open: it is not due.
      await recorder.engine.stop();
    }
    const dueSessions = sessions.slice(0, 3);
    const files = dueSessions.flatMap((id) => objectFiles(dataRoot, id));
    expect(files.length).toBeGreaterThan(20);
    expect(existing(files)).toBe(files.length);

    const env = { AEV_WINDOW_MS: '300', AEV_TSA_URLS: tsa.url, AEV_TSA_TRUST: tsa.rootPath };
    const cli = testEnv(dataRoot, env);
    let daemon: DaemonProcess = await startDaemon(dataRoot, { ...env, AEV_RETENTION_AUTO: 'off' });
    let caught: string;
    try {
      const status = JSON.parse((await runAev(['retention', 'status', '--json'], cli)).stdout) as RetentionStatus;
      expect(status.due.map((d) => d.id).sort()).toEqual([...dueSessions].sort());
      const dry = await runAev(['retention', 'apply', '--dry-run'], cli);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('3 session(s)');
      expect(existing(files)).toBe(files.length);
      // Without --yes and without a terminal to ask on, nothing is deleted.
      const unconfirmed = await runAev(['retention', 'apply'], cli);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain('--yes');

      const apply = runAev(['retention', 'apply', '--yes'], cli, undefined, 60_000);
      // Kill as soon as the first deletion is on disk (a tight poll: one session's purge takes tens of ms).
      const deadline = Date.now() + 30_000;
      while (existing(files) === files.length) {
        if (Date.now() > deadline) throw new Error('the purge did not start');
        await new Promise((r) => setTimeout(r, 1));
      }
      await daemon.kill9();
      const left = existing(files);
      const applied = await apply;
      expect(applied.code).toBe(1);
      const tombstones = dueSessions.filter((id) => records(dataRoot, id).at(-1)?.body.kind === 'tombstone').length;
      caught = `killed with ${left}/${files.length} objects left, ${tombstones}/3 tombstones written`;
      expect(tombstones).toBeGreaterThan(0);

      // The store as the kill left it verifies: nothing is missing without its tombstone.
      const atKill = await verifyDataRoot(dataRoot, tsa.rootPem, true);
      expect(atKill.items.filter((i) => i.status === 'fail')).toEqual([]);
      expect(atKill.items.filter((i) => i.code === 'PURGED').length).toBe(tombstones);
    } finally {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.kill9();
    }

    // Restarted with the daily schedule on: the interrupted purge and the rest are finished at start.
    daemon = await startDaemon(dataRoot, env);
    try {
      await until(() => existing(files) === 0, 30_000, 'the purge to finish at restart');
      let status: RetentionStatus | null = null;
      for (let i = 0; i < 100; i++) {
        status = JSON.parse((await runAev(['retention', 'status', '--json'], cli)).stdout) as RetentionStatus;
        if (status.incomplete.length === 0 && status.due.length === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status?.incomplete).toEqual([]);
      expect(status?.due).toEqual([]);
      expect(status?.purged).toBe(3);
      const db = openIndexFile(dataRoot, true);
      const pendingStamps = () => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM tsa_queue').get()?.n ?? 0;
      await until(() => pendingStamps() === 0, 20_000, 'tombstones time-stamped');
      db.close();
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
    const report = await verifyDataRoot(dataRoot, tsa.rootPem);
    expect(report.items.filter((i) => i.status !== 'pass')).toEqual([]);
    expect(report.items.filter((i) => i.code === 'PURGED')).toHaveLength(3);
    // One tombstone per session, however many times its purge was started.
    for (const id of dueSessions)
      expect(records(dataRoot, id).filter((r) => r.body.kind === 'tombstone')).toHaveLength(1);
    console.log(`retention kill -9: ${caught}; finished at restart, verified`);
  }
});
