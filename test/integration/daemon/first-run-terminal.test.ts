import { spawn } from '@lydell/node-pty';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AEV_BIN, runAev, testEnv } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/** `npm start` on a fresh checkout, by a person at a terminal: no passphrase file, so the daemon asks. */
describe('aev daemon at a terminal', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  function daemonInPty(dataRoot: string): {
    output: () => string;
    write: (s: string) => void;
    kill: () => void;
    exited: Promise<number>;
  } {
    const env = testEnv(dataRoot) as Record<string, string>;
    delete env.AEV_PASSPHRASE_FILE;
    const pty = spawn(process.execPath, [AEV_BIN, 'daemon'], { cols: 120, rows: 30, env });
    let out = '';
    pty.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) =>
      pty.onExit((e) => {
        resolve(e.exitCode);
      }),
    );
    return {
      output: () => out,
      write: (s) => {
        pty.write(s);
      },
      kill: () => {
        pty.kill('SIGTERM');
      },
      exited,
    };
  }

  async function waitFor(get: () => string, text: string): Promise<void> {
    const end = Date.now() + 20_000;
    while (!get().includes(text)) {
      if (Date.now() > end) throw new Error(`no "${text}" in:\n${get()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('asks for a new recovery passphrase (without echoing it), creates the vault, and asks for it next time', async () => {
    const dataRoot = path.join(tmp.dir, 'fresh');
    const first = daemonInPty(dataRoot);
    await waitFor(first.output, 'Choose a recovery passphrase');
    first.write('a very secret phrase\r');
    await waitFor(first.output, 'Type it again');
    first.write('a very secret phrase\r');
    await waitFor(first.output, 'aev: ready');
    expect(first.output()).not.toContain('a very secret phrase');
    expect(first.output()).toContain('created a new encrypted vault');
    first.kill();
    expect(await first.exited).toBe(0);

    const second = daemonInPty(dataRoot);
    await waitFor(second.output, 'Recovery passphrase:');
    second.write('a very secret phrase\r');
    await waitFor(second.output, 'aev: ready');
    const status = await runAev(['status', '--json'], testEnv(dataRoot));
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true });
    second.kill();
    expect(await second.exited).toBe(0);
  }, 60_000);
});
