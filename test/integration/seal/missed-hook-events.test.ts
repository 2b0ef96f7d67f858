import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChainRecordBody } from '../../../electron/common/model/chain.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { hookPayload } from '../../helpers/raw-client.ts';
import { openIndexFile, verifyDataRoot } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

interface GapRow {
  readonly session: string;
  readonly gap: ChainRecordBody['gap'];
}

function gapsOf(dataRoot: string, reason: string): GapRow[] {
  const db = openIndexFile(dataRoot, true);
  try {
    return db
      .prepare<[], { session_id: string; record: Buffer }>(
        "SELECT session_id, record FROM chain_records WHERE kind = 'gap' ORDER BY sealed_at",
      )
      .all()
      .map((r) => ({ session: r.session_id, gap: (JSON.parse(r.record.toString('utf8')) as ChainRecordBody).gap }))
      .filter((g) => g.gap?.reason === reason);
  } finally {
    db.close();
  }
}

const hook = (dataRoot: string, sessionId: string, kind: string, extra: Record<string, unknown> = {}) =>
  runAev(['hook'], testEnv(dataRoot, { AEV_WINDOW_MS: '300' }), JSON.stringify(hookPayload(sessionId, kind, extra)));

describe('hook events missed while the recorder was down (invariant I4)', () => {
  const tmp = makeTempDir('aev-missed-');
  afterAll(() => {
    tmp.cleanup();
  });

  it('become a signed hook-unreachable gap in their session at the next start, without content, and the chain verifies', async () => {
    const dataRoot = path.join(tmp.dir, 'home');
    const env = { AEV_WINDOW_MS: '300' };
    const first = await startDaemon(dataRoot, env);
    try {
      expect((await hook(dataRoot, 'missed-s', 'SessionStart')).code).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // The recorder is down: the hook fails open and notes what it could not hand over.
    const pre = { tool_name: 'Bash', tool_use_id: 'toolu_m1', tool_input: { command: 'cat ~/.secret-plan' } };
    expect(await hook(dataRoot, 'missed-s', 'PreToolUse', pre)).toMatchObject({ code: 0, stdout: '' });
    expect(await hook(dataRoot, 'missed-s', 'PostToolUse', { ...pre, tool_response: 'ok' })).toMatchObject({
      code: 0,
    });
    // A session this vault never saw is only counted, never invented.
    expect((await hook(dataRoot, 'never-seen', 'PreToolUse', pre)).code).toBe(0);
    const notes = runtimePaths(dataRoot).missedEventsPath;
    expect(fs.readFileSync(notes, 'utf8').trim().split('\n')).toHaveLength(3);

    const second = await startDaemon(dataRoot, env);
    try {
      const missed = gapsOf(dataRoot, 'hook-unreachable');
      expect(missed).toHaveLength(1);
      expect(missed[0]?.gap?.detail).toMatch(
        /^2 hook event\(s\) could not reach the recorder: PreToolUse at .+; PostToolUse at .+/,
      );
      expect(missed[0]?.gap?.detail).not.toContain('secret-plan');
      const sessions = JSON.parse((await runAev(['sessions', 'list', '--json'], testEnv(dataRoot))).stdout) as {
        id: string;
      }[];
      expect(sessions.map((s) => s.id)).toEqual([missed[0]?.session]);
      // The notes are consumed once: a third start adds no second gap for them.
      expect(fs.existsSync(notes)).toBe(false);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    const third = await startDaemon(dataRoot, env);
    await third.stop();
    expect(gapsOf(dataRoot, 'hook-unreachable')).toHaveLength(1);

    const report = await verifyDataRoot(dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
  });
  it('also records notes a crashed start had claimed but not yet consumed, beside new ones', async () => {
    const dataRoot = path.join(tmp.dir, 'claimed');
    const env = { AEV_WINDOW_MS: '300' };
    const first = await startDaemon(dataRoot, env);
    try {
      expect((await hook(dataRoot, 'claimed-s', 'SessionStart')).code).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const notes = runtimePaths(dataRoot).missedEventsPath;
    expect((await hook(dataRoot, 'claimed-s', 'Stop')).code).toBe(0);
    fs.renameSync(notes, `${notes}.claimed`); // as a start killed after claiming leaves it
    expect((await hook(dataRoot, 'claimed-s', 'Notification', { message: 'hi' })).code).toBe(0);

    const second = await startDaemon(dataRoot, env);
    await second.stop();
    const details = gapsOf(dataRoot, 'hook-unreachable').map((g) => g.gap?.detail ?? '');
    expect(details).toHaveLength(2);
    expect(details.join('\n')).toMatch(/Stop at /);
    expect(details.join('\n')).toMatch(/Notification at /);
    expect(fs.existsSync(notes) || fs.existsSync(`${notes}.claimed`)).toBe(false);
  });
});
