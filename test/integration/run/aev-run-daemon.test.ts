import { spawn } from '@lydell/node-pty';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PinnedEvent } from '../../../electron/common/model/event.ts';
import type { SessionSummary } from '../../../electron/common/model/session.ts';
import { AEV_BIN, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { hookPayload, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { filesContaining, makeTempDir } from '../../helpers/temp-dir.ts';
import { parseCast } from '../../../native/pty/asciicast.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';

describe('aev run against the real engine', () => {
  const tmp = makeTempDir('aev-run-d-');
  afterAll(() => {
    tmp.cleanup();
  });

  it('seals the terminal as its own session, replayable as a cast, and pins the agent’s hook events to it', async () => {
    const dataRoot = path.join(tmp.dir, 'home');
    const env = testEnv(dataRoot, { AEV_WINDOW_MS: '300' }) as Record<string, string>;
    const daemon = await startDaemon(dataRoot, env);
    try {
      const payload = path.join(tmp.dir, 'payload.json');
      fs.writeFileSync(
        payload,
        JSON.stringify(hookPayload('run-s', 'PreToolUse', { tool_name: 'Bash', tool_use_id: 't1', tool_input: {} })),
      );
      // The "agent": prints, calls its hook the way Claude Code would (AEV_TERMINAL_ID is inherited), exits 4.
      const script = `printf 'hello from the agent\\n'; ${JSON.stringify(process.execPath)} ${JSON.stringify(AEV_BIN)} hook < ${JSON.stringify(payload)}; printf 'bye\\n'; exit 4`;
      const term = spawn(process.execPath, [AEV_BIN, 'run', '--', 'sh', '-c', script], {
        name: 'xterm-256color',
        cols: 90,
        rows: 25,
        cwd: tmp.dir,
        env,
      });
      let screen = '';
      term.onData((d) => (screen += d));
      const exitCode = await new Promise<number>((resolve) =>
        term.onExit((e) => {
          resolve(e.exitCode);
        }),
      );
      expect(exitCode, screen).toBe(4);
      expect(screen).toContain('hello from the agent');
      expect(screen).not.toContain('not recording');

      const control = await testClient(daemon.paths.socketPath, 'control');
      const sessions = (await control.request('sessions.list', { kind: 'terminal' }, 5000)) as SessionSummary[];
      expect(sessions).toHaveLength(1);
      const terminal = sessions[0];
      expect(terminal?.state).toBe('ended');
      expect(terminal?.endReason).toBe('exited');
      const agent = ((await control.request('sessions.list', { kind: 'agent' }, 5000)) as SessionSummary[])[0];
      const shown = (await control.request('sessions.show', { id: agent?.id }, 5000)) as { events: PinnedEvent[] };
      const pins = shown.events[0]?.pins;
      expect(pins?.terminal?.session).toBe(terminal?.id);
      expect(pins?.terminal?.atSeconds).toBeGreaterThanOrEqual(0);
      expect(pins?.terminal?.atSeconds).toBeLessThan(10);
      control.close();

      const db = openIndexFile(dataRoot, true);
      await until(
        () =>
          db
            .prepare<[string], { chain_final: number }>('SELECT chain_final FROM sessions WHERE id = ?')
            .get(terminal?.id ?? '')?.chain_final === 1,
        10_000,
        'the terminal chain to be final',
      );
      const objects = db
        .prepare<[string], { object_id: string }>('SELECT object_id FROM media WHERE session_id = ? ORDER BY seq')
        .all(terminal?.id ?? '');
      db.close();
      await daemon.stop();
      const vault = await openVault({
        vaultDir: runtimePaths(dataRoot).vaultDir,
        keyring: null,
        passphrase: TEST_PASSPHRASE,
      });
      const text = Buffer.concat(
        await Promise.all(objects.map((o) => vault.objects.get('terminal', o.object_id))),
      ).toString();
      vault.close();
      const cast = parseCast(text);
      if (!cast.ok) throw new Error(`line ${cast.line}: ${cast.message}`);
      expect(cast.header).toMatchObject({ version: 2, width: 90, height: 25 });
      const output = cast.frames
        .filter((f) => f[1] === 'o')
        .map((f) => f[2])
        .join('');
      expect(output).toContain('hello from the agent');
      expect(output).toContain('bye');
      expect(cast.frames.at(-1)).toEqual([expect.any(Number), 'm', 'exit 4']);
      // The terminal output exists only encrypted under the data root.
      expect(filesContaining(dataRoot, 'hello from the agent')).toEqual([]);
      const report = await verifyDataRoot(dataRoot, '', true);
      expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
    } finally {
      await daemon.stop();
    }
  });
});
