import path from 'node:path';
import { Writable } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { runEngineProcess } from '../../../electron/engine/host/engine-process.ts';
import type { MessageLink } from '../../../electron/engine/host/host-messages.ts';
import { TEST_PASSPHRASE, testEnv } from '../../helpers/daemon-process.ts';
import { asElectronPort } from '../../helpers/electron-port.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/** main's side of the parent port, in this process: what the engine sent, and a way to post to it. */
function parentPort(): {
  link: MessageLink;
  post: (message: unknown, ports?: readonly unknown[]) => void;
  next: (type: string) => Promise<{ type: string }>;
} {
  let listener: ((message: unknown, ports?: readonly unknown[]) => void) | null = null;
  const waiting = new Map<string, (m: { type: string }) => void>();
  const link: MessageLink = {
    send: (message) => {
      const m = message as { type: string };
      waiting.get(m.type)?.(m);
    },
    onMessage: (l) => {
      listener = l;
      return () => {
        listener = null;
      };
    },
  };
  return {
    link,
    post: (message, ports) => {
      listener?.(message, ports);
    },
    next: (type) =>
      new Promise((resolve) => {
        waiting.set(type, resolve);
      }),
  };
}

const sink = (lines: string[]): Writable =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });

/**
 * The app's capture page reaches the engine through a MessagePort main transfers with `capture-port`
 * (electron/main/capture-window.ts): the engine process attaches it to its Chromium backend, which then
 * pushes run orders down it. Electron is absent; the port is a real Node MessagePort shaped like
 * MessagePortMain, and the engine is the real one `aev daemon` runs.
 */
describe('the capture page port, as the app hands it to its engine process', () => {
  const tmp = makeTempDir('aev-capport-');
  afterAll(() => {
    tmp.cleanup();
  });

  async function started(name: string, extra: Record<string, string>) {
    const dataRoot = path.join(tmp.dir, name);
    const env = testEnv(dataRoot, { AEV_SCREEN: 'on', AEV_CAPTURE_PORT: 'off', ...extra });
    const parent = parentPort();
    const log: string[] = [];
    const engine = runEngineProcess({ link: parent.link, env, stderr: sink(log) });
    const ready = parent.next('ready');
    parent.post({ type: 'start', dataRoot, keyring: null, passphrase: TEST_PASSPHRASE });
    await ready;
    return { parent, engine, log };
  }

  it('attaches the port to the Chromium backend, which pushes its run orders to the page', async () => {
    const { parent, engine, log } = await started('chromium', { AEV_CAPTURE: 'chromium' });
    const { port1: page, port2: engineEnd } = new MessageChannel();
    try {
      const first = new Promise<{ type: string; control?: { run: unknown } }>((resolve) => {
        page.once('message', resolve);
      });
      parent.post({ type: 'capture-port' }, [asElectronPort(engineEnd)]);
      const message = await first;
      expect(message.type).toBe('control');
      expect(message.control?.run).toBeNull(); // no agent is working: nothing to record yet
      // Something that is not a port is refused with a warning, and the engine carries on.
      parent.post({ type: 'capture-port' }, [{ not: 'a port' }]);
      expect(log.join('')).toContain('ignored a capture port');
    } finally {
      page.close();
      await engine.stop();
    }
    expect(await engine.done).toBe(0);
  });

  it('closes the port when the engine records with ffmpeg instead', async () => {
    const { parent, engine, log } = await started('ffmpeg', { AEV_CAPTURE: 'ffmpeg' });
    const { port1: page, port2: engineEnd } = new MessageChannel();
    try {
      const closed = new Promise<void>((resolve) => {
        page.once('close', () => {
          resolve();
        });
      });
      parent.post({ type: 'capture-port' }, [asElectronPort(engineEnd)]);
      await closed;
      expect(log.join('')).toContain('the capture page was not attached');
    } finally {
      await engine.stop();
    }
  });
});
