import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { hookPayload, RawClient, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile, until } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { hasProgram, runClient, startXvfb } from '../screen/x-server.ts';
import type { Xvfb } from '../screen/x-server.ts';

const canRun = hasProgram('Xvfb') && hasProgram('ffmpeg') && hasProgram('xsetroot');

/** The middle pixel of a PNG, decoded by ffmpeg from memory. */
function middlePixel(png: Buffer): number[] {
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'png_pipe',
      '-i',
      'pipe:0',
      '-vf',
      'scale=8:8',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { input: png },
  );
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return [...r.stdout.subarray(27 * 3, 27 * 3 + 3)];
}

describe.skipIf(!canRun)('stills from the video when no grab is possible', () => {
  let x: Xvfb;
  let t: TestEngine;
  beforeAll(async () => {
    x = await startXvfb(1280, 720);
    runClient(x.display, 'xsetroot', ['-solid', '#00ff00']);
    t = await startTestEngine({
      windowMs: 1000,
      tsa: null,
      screen: {
        fps: 5,
        maxLongSide: 1920,
        graceMs: 1000,
        stills: 'video',
        env: { ...process.env, DISPLAY: x.display },
      },
    });
  });
  afterAll(async () => {
    await t.dispose();
    await x.stop();
  });

  it('stores the recorded frame of the tool call’s moment as a full-resolution PNG still of the agent session', async () => {
    const c = await RawClient.hello(t.info.socketPath);
    c.send({ type: 'event', id: 's', event: { agent: 'claude-code', payload: hookPayload('sv', 'SessionStart') } });
    const { sessionId } = (await c.waitFor((f) => f.id === 's')) as { sessionId: string };
    const control = await testClient(t.info.socketPath, 'control');
    // A second of recording: the still must show a moment the video covers, so wait for its first
    // fragment (ffmpeg may take seconds to start on a busy machine; before it, no still is right).
    const fragments = openIndexFile(t.dataRoot, true);
    const count = fragments.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM media WHERE kind = 'video-fragment'");
    await until(() => (count.get()?.n ?? 0) > 0, 20_000, 'the first video fragment');
    fragments.close();
    runClient(x.display, 'xsetroot', ['-solid', '#ff0000']);
    await new Promise((r) => setTimeout(r, 500));
    c.send({
      type: 'event',
      id: 'p',
      event: {
        agent: 'claude-code',
        payload: hookPayload('sv', 'PreToolUse', { tool_name: 'Bash', tool_use_id: 'x', tool_input: {} }),
      },
    });
    await c.waitFor((f) => f.id === 'p');
    const db = openIndexFile(t.dataRoot, true);
    const still = () =>
      db
        .prepare<[string], { object_id: string; descriptor: Buffer }>(
          "SELECT object_id, descriptor FROM media WHERE session_id = ? AND kind = 'still'",
        )
        .get(sessionId);
    await until(() => still() !== undefined, 30_000, 'a still');
    const row = still();
    db.close();
    const info = (JSON.parse(row?.descriptor.toString() ?? '{}') as { info: Record<string, unknown> }).info;
    expect(info).toMatchObject({ source: 'video', width: 1280, height: 720, at: 'PreToolUse', event: 2 });
    const status = (await control.request('status', {}, 5000)) as EngineStatus;
    expect(status.stills).toMatchObject({ taken: 1, failed: 0 });
    control.close();
    c.close();
    const vault = await openVault({
      vaultDir: runtimePaths(t.dataRoot).vaultDir,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
    });
    const png = await vault.objects.get('still', row?.object_id ?? '');
    vault.close();
    const [r, g, b] = middlePixel(png);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  }, 60_000);
});
