import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { attachCapturePort } from '../../../../electron/engine/capture/chromium-page-port.ts';
import type { EngineToPageMessage } from '../../../../electron/engine/capture/chromium-protocol.ts';
import { hasFfmpeg } from '../../native/ffmpeg/mp4-test-boxes.ts';
import { asElectronPort } from '../../../helpers/electron-port.ts';
import { recordingLogger } from './media-fixture.ts';
import { pageStream, startedHub, T0 } from './chromium-fixture.ts';

function nextMessage(port: MessagePort, pred: (m: EngineToPageMessage) => boolean): Promise<EngineToPageMessage> {
  return new Promise((resolve) => {
    const on = (m: EngineToPageMessage): void => {
      if (!pred(m)) return;
      port.off('message', on);
      resolve(m);
    };
    port.on('message', on);
  });
}

describe.skipIf(!hasFfmpeg)('capture page over a MessagePort (the desktop app’s transport)', () => {
  it('pushes run orders, takes parts, refuses a bad run and ignores malformed messages', async () => {
    const { hub, clock, runId, log, run } = await startedHub();
    const logger = recordingLogger();
    const { port1: page, port2: engineEnd } = new MessageChannel();
    const first = nextMessage(page, (m) => m.type === 'control');
    const detach = attachCapturePort(hub, asElectronPort(engineEnd), logger);
    try {
      const control = await first;
      expect(control.type === 'control' && control.control.run?.id).toBe(runId);

      const stream = pageStream(T0 + 100);
      clock.set(T0 + 10_000);
      page.postMessage({ type: 'part', runId, pageId: 'p', kind: 'init', wallMs: T0 + 100, bytes: stream.init });
      for (const f of stream.fragments.slice(0, 2))
        page.postMessage({ type: 'part', runId, pageId: 'p', kind: 'fragment', wallMs: f.startMs, bytes: f.bytes });
      page.postMessage({ type: 'part', runId, pageId: 'p', kind: 'mystery', wallMs: 0, bytes: 'text' });
      const refused = nextMessage(page, (m) => m.type === 'refused');
      page.postMessage({ type: 'part', runId: 'cap_GONE', pageId: 'p', kind: 'init', wallMs: T0, bytes: stream.init });
      expect(await refused).toMatchObject({ type: 'refused', runId: 'cap_GONE', code: 'E_NOT_RECORDING' });
      expect(log.inits).toHaveLength(1);
      expect(log.fragments).toHaveLength(2);
      expect(logger.lines.some((l) => l.message === 'the capture page sent a malformed message')).toBe(true);

      const withdrawn = nextMessage(page, (m) => m.type === 'control' && m.control.run === null);
      const stopped = run.stop(5000);
      await withdrawn;
      page.postMessage({ type: 'ended', runId, pageId: 'p', error: null });
      await stopped;
      expect(log.exits).toEqual([{ requested: true, reason: 'stopped' }]);
    } finally {
      detach();
      page.close();
    }
  });
});
