import { afterAll, describe, expect, it } from 'vitest';
import type { StillAnswer, TerminalCast } from '../../../electron/common/protocol/control-answers.ts';
import { createAppHostContext, socketControl } from '../../../electron/engine/app-host/app-host-context.ts';
import { serveAppCall } from '../../../electron/engine/app-host/serve-app-call.ts';
import { CaptureSessions } from '../../../electron/engine/capture/capture-sessions.ts';
import { controlRequest } from '../../../electron/engine/client/control-request.ts';
import type { PurgeResult } from '../../../electron/engine/retention/retention-types.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { until } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { openSideStore } from '../capture/engine-media.ts';
import { DAY_MS, passingClock, recordAgentSession, recordTerminal, records } from './retention-fixtures.ts';

/**
 * Every way the app and the control API read content back (video.read, terminal.read, still.read), after
 * the session was purged: E_PURGED naming the session, the date and the rule, never "object missing".
 */
describe('reading a purged session (real engine, socket, SQLite, vault)', () => {
  const work = makeTempDir();
  afterAll(() => {
    work.cleanup();
  });

  it('answers E_PURGED with which session, when and under which policy, through control and the app API', async () => {
    const time = passingClock();
    const t = await startTestEngine({ clock: time.clock, windowMs: 300, tsa: null });
    const socket = t.info.socketPath;
    const side = await openSideStore(t.engine);
    const ctx = createAppHostContext({
      control: socketControl(socket),
      dataRoot: t.dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      env: {},
    });
    try {
      const agent = await recordAgentSession(socket, 'purged-reads', 2, async (id) => {
        const now = Date.now();
        const info = { event: 1, at: 'pre', width: 1, height: 1, source: 'grab' };
        await side.media.add(id, { kind: 'still', bytes: Buffer.from('PNG'), startMs: now, endMs: now, info });
      });
      const terminal = await recordTerminal(socket, 't_purged_reads', 2);
      const captures = new CaptureSessions(side.db);
      const screen = captures.open('screen', 'aev', 'rec-purged-reads', Date.now());
      const startMs = Date.now();
      await side.media.add(screen, { kind: 'video-init', bytes: Buffer.from('ftyp moov'), startMs, endMs: startMs });
      await side.media.add(screen, {
        kind: 'video-fragment',
        bytes: Buffer.from('moof mdat'),
        startMs,
        endMs: startMs + 1000,
        info: { init: 1, keyframe: true, ptsMs: 0, sequence: 1 },
      });
      captures.end(screen, 'recording-stopped', startMs + 1000);
      for (const id of [agent, terminal, screen])
        await until(() => records(t.dataRoot, id).at(-1)?.body.final === true, 10_000, `${id} final`);
      const video = {
        recording: screen,
        from: new Date(startMs - 1).toISOString(),
        to: new Date(startMs + 2000).toISOString(),
      };

      // Before the purge every read answers.
      expect(
        ((await controlRequest(socket, 'still.read', { session: agent, event: 1 })) as StillAnswer).still?.png,
      ).toBe(Buffer.from('PNG').toString('base64'));
      expect(((await controlRequest(socket, 'terminal.read', { session: terminal })) as TerminalCast).cast).toContain(
        'secret output 1',
      );
      await controlRequest(socket, 'video.read', video);

      time.advance(91 * DAY_MS);
      const purged = new Map<string, PurgeResult>();
      for (const id of [agent, terminal, screen])
        purged.set(id, (await controlRequest(socket, 'retention.purge', { id })) as PurgeResult);

      const refusals: [string, string, Record<string, unknown>, string][] = [
        [agent, 'still.read', { session: agent, event: 1 }, 'readStill'],
        [terminal, 'terminal.read', { session: terminal }, 'readTerminal'],
        [screen, 'video.read', video, 'readVideo'],
      ];
      for (const [id, method, params, appMethod] of refusals) {
        const p = purged.get(id)!;
        const said = [
          `session ${id} was purged on ${p.purgedAt}`,
          'by the 90-day retention policy',
          `tombstone record ${String(p.tombstoneSeq)}`,
        ];
        const error = (await controlRequest(socket, method as 'still.read', params).then(
          () => null,
          (e: unknown) => e,
        )) as { code: string; message: string } | null;
        expect(error?.code, method).toBe('E_PURGED');
        for (const s of said) expect(error?.message, method).toContain(s);
        const r = await serveAppCall(appMethod, params, ctx);
        expect(r.ok, appMethod).toBe(false);
        if (!r.ok) {
          expect(r.code, appMethod).toBe('E_PURGED');
          for (const s of said) expect(r.message, appMethod).toContain(s);
        }
      }
      // What is kept stays readable: the recording's layout (descriptors, not pixels).
      expect(await controlRequest(socket, 'video.index', { recording: screen })).toMatchObject({ recording: screen });
      // A session nobody purged still reads, and an unknown one is still "not found".
      await expect(controlRequest(socket, 'terminal.read', { session: 'no-such' })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
    } finally {
      ctx.dispose();
      side.close();
      await t.dispose();
    }
  }, 90_000);
});
