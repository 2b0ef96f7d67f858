import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RetentionStatus } from '../../../electron/engine/retention/retention-types.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { recordAgentSession } from './retention-fixtures.ts';

describe('aev retention (real daemon): settings, holds and refusals', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('takes the period from settings.json, lets AEV_RETENTION_DAYS win, and refuses a period out of range', async () => {
    const dataRoot = path.join(tmp.dir, 'settings');
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    const settings = path.join(dataRoot, 'settings.json');
    fs.writeFileSync(settings, JSON.stringify({ retention: { days: 3650, auto: false } }));
    let d = await startDaemon(dataRoot);
    try {
      const s = JSON.parse(
        (await runAev(['retention', 'status', '--json'], testEnv(dataRoot))).stdout,
      ) as RetentionStatus;
      expect([s.days, s.auto, s.nextRun]).toEqual([3650, false, null]);
      const text = await runAev(['retention', 'status'], testEnv(dataRoot));
      expect(text.stdout).toContain('Retention: 3650 days after a session ends; applied by hand only');
    } finally {
      await d.stop();
    }
    d = await startDaemon(dataRoot, { AEV_RETENTION_DAYS: '7', AEV_RETENTION_AUTO: 'on' });
    try {
      const s = JSON.parse(
        (await runAev(['retention', 'status', '--json'], testEnv(dataRoot))).stdout,
      ) as RetentionStatus;
      expect([s.days, s.auto]).toEqual([7, true]);
      expect(s.nextRun).not.toBeNull();
    } finally {
      await d.stop();
    }
    fs.writeFileSync(settings, JSON.stringify({ retention: { days: 40_000 } }));
    const refused = await runAev(['daemon'], testEnv(dataRoot));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('retention.days');
    expect(refused.stderr).toContain('[E_CONFIG]');
    fs.writeFileSync(settings, JSON.stringify({ retention: { days: 30 } }));
    const badEnv = await runAev(['daemon'], testEnv(dataRoot, { AEV_RETENTION_AUTO: 'sometimes' }));
    expect(badEnv.stderr).toContain('AEV_RETENTION_AUTO must be "on" or "off"');
  }, 60_000);

  it('holds and releases with a reason on record, and says why a purge or a release is refused', async () => {
    const dataRoot = path.join(tmp.dir, 'holds');
    const d = await startDaemon(dataRoot, { AEV_WINDOW_MS: '300' });
    const env = testEnv(dataRoot);
    try {
      const session = await recordAgentSession(d.paths.socketPath, 'cli-hold', 2);
      expect((await runAev(['retention', 'hold', session], env)).code).toBe(2);
      const held = await runAev(['retention', 'hold', session, '--reason', 'audit 2026-Q3'], env);
      expect(held.code, held.stderr).toBe(0);
      expect(held.stdout).toContain('is on legal hold since');
      const status = JSON.parse((await runAev(['retention', 'status', '--json'], env)).stdout) as RetentionStatus;
      expect(status.held.map((h) => [h.id, h.reason])).toEqual([[session, 'audit 2026-Q3']]);
      // The reason is stored encrypted: not in clear anywhere under the data root.
      const clear = (await runAev(['retention', 'status'], env)).stdout;
      expect(clear).toContain('audit 2026-Q3');
      const files = fs.readdirSync(dataRoot, { recursive: true, encoding: 'utf8' });
      for (const f of files) {
        const p = path.join(dataRoot, f);
        if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes('audit 2026-Q3'), p).toBe(false);
      }
      const notDue = await runAev(['retention', 'apply', '--yes'], env);
      expect(notDue.code).toBe(0);
      expect(notDue.stdout).toContain('nothing to purge');
      expect((await runAev(['retention', 'release', session], env)).code).toBe(0);
      const again = await runAev(['retention', 'release', session], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`session ${session} is not on hold [E_NOT_FOUND]`);
      // Both the hold and its release are entries on the vault's access log (DESIGN.md §5).
      const log = JSON.parse((await runAev(['access-log', '--json'], env)).stdout) as {
        entries: {
          seq: number;
          entry: { kind: string; action?: string; sessionId?: string; reason?: string } | null;
        }[];
      };
      const holds = [...log.entries]
        .sort((a, b) => a.seq - b.seq)
        .flatMap((e) => (e.entry?.kind === 'legal-hold' ? [e.entry] : []));
      expect(holds.map((h) => [h.action, h.sessionId])).toEqual([
        ['hold', session],
        ['release', session],
      ]);
      expect(holds[0]?.reason).toContain('audit 2026-Q3');
      const unknown = await runAev(['retention', 'hold', 's_nope', '--reason', 'x'], env);
      expect(unknown.stderr).toContain('[E_NOT_FOUND]');
      const control = await runAev(['retention', 'hold', session, '--reason', 'line\u001b[2Jwipe'], env);
      expect(control.stderr).toContain('control characters are not allowed');
    } finally {
      await d.stop();
    }
  }, 60_000);
});
