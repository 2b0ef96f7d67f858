import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StillCapture } from '../../../electron/engine/capture/still-capture.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import { captureStill } from '../../../native/screen/capture-still.ts';
import { readTextChunks } from '../../../native/screen/png-text.ts';
import { until, verifyDataRoot } from '../../helpers/sealing.ts';
import { filesContaining } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { decodePng } from '../../unit/native/screen/png-decode.ts';
import { recordingLogger } from '../../unit/engine/capture/media-fixture.ts';
import { hasProgram, runClient, startClient, startXvfb, stopProcess } from '../screen/x-server.ts';
import type { Xvfb } from '../screen/x-server.ts';
import { mediaCounts, openSideStore, sendHook } from './engine-media.ts';
import type { SideStore } from './engine-media.ts';

// Real stills from a real X server through StillCapture into a real engine's vault. Needs Xvfb and
// xsetroot (Debian: xvfb, x11-xserver-utils), a window manager and a titled window for the title
// (matchbox-window-manager, x11-utils' xmessage), and the optional @nut-tree-fork/nut-js.
function hasNutJs(): boolean {
  try {
    createRequire(import.meta.url).resolve('@nut-tree-fork/nut-js');
    return true;
  } catch {
    return false;
  }
}
const canGrab = hasProgram('Xvfb') && hasProgram('xsetroot') && hasNutJs();
const canTitle = hasProgram('matchbox-window-manager') && hasProgram('xmessage');
if (!canGrab) console.warn('skipping real still tests: needs Xvfb, xsetroot and @nut-tree-fork/nut-js');
else if (!canTitle) console.warn('skipping the window title test: install matchbox-window-manager and x11-utils');

const WIDTH = 720;
const HEIGHT = 450;

describe('StillCapture with a real engine', () => {
  let xvfb: Xvfb | undefined;
  let t: TestEngine | undefined;
  let side: SideStore | undefined;
  const clients: ChildProcess[] = [];

  beforeAll(async () => {
    if (canGrab) xvfb = await startXvfb(WIDTH, HEIGHT);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(stopProcess));
    side?.close();
    side = undefined;
    await t?.dispose();
    t = undefined;
  });
  afterAll(async () => {
    await xvfb?.stop();
  });

  it.skipIf(!canGrab || !canTitle)(
    'stores a full-resolution still carrying the focused window title inside the encrypted PNG, sealed',
    async () => {
      if (xvfb === undefined) throw new Error('no Xvfb');
      const display = xvfb.display;
      runClient(display, 'xsetroot', ['-solid', `#${randomBytes(3).toString('hex')}`]);
      // ASCII: libnut hands over WM_NAME bytes as they are, and xmessage sets it as COMPOUND_TEXT.
      const marker = `Secret Title ${randomBytes(4).toString('hex')}`;
      clients.push(startClient(display, 'matchbox-window-manager', ['-use_titlebar', 'no']));
      clients.push(startClient(display, 'xmessage', ['-title', marker, 'still capture test window']));
      // The window manager focuses the window a moment after it maps: wait until a grab sees its title.
      let seen: string | null = null;
      let screen: Buffer | undefined;
      for (let attempt = 0; attempt < 20 && seen !== marker; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const probe = await captureStill({ display, timeoutMs: 20_000 });
        seen = probe.ok ? probe.windowTitle : null;
        screen = probe.ok ? probe.png : undefined;
      }
      expect(seen).toBe(marker);

      t = await startTestEngine({ windowMs: 200, tsa: null });
      side = await openSideStore(t.engine);
      const logger = recordingLogger();
      const stills = new StillCapture(side.media, systemClock, logger, {
        env: process.env,
        display,
        timeoutMs: 20_000,
      });
      const ack = await sendHook(t.info.socketPath, 'agent-still-1', 'PreToolUse');
      stills.onToolEvent(ack.sessionId, ack.seq, 'PreToolUse');
      stills.onToolEvent(ack.sessionId, ack.seq + 1, 'PostToolUse'); // comes while the first grab runs
      await stills.flush();
      expect(stills.status()).toEqual({ taken: 1, failed: 0, skipped: 1, lastError: null });

      const [item] = side.media.list(ack.sessionId);
      expect(item?.kind).toBe('still');
      expect(item?.info).toEqual({ event: ack.seq, at: 'PreToolUse', width: WIDTH, height: HEIGHT });
      const { bytes } = await side.media.read(ack.sessionId, item?.seq ?? 0);
      const decoded = decodePng(bytes);
      expect([decoded.width, decoded.height]).toEqual([WIDTH, HEIGHT]);
      // The screen does not change (the window manager's desktop, the xmessage window): the stored still
      // shows exactly what the probe grab saw.
      expect(decoded.rgb.equals(decodePng(screen ?? Buffer.alloc(0)).rgb)).toBe(true);
      expect(readTextChunks(bytes)).toEqual([{ keyword: 'Title', text: marker }]);

      const db = side.db;
      const sessionId = ack.sessionId;
      await until(() => mediaCounts(db, sessionId)?.sealed_media === 1, 10_000, 'the still to be sealed');
      // The title is in the vault, encrypted with the pixels, and nowhere in clear: not in the index,
      // not in a log line.
      expect(filesContaining(t.dataRoot, marker)).toEqual([]);
      expect(JSON.stringify(logger.lines)).not.toContain('Secret Title');
      const report = await verifyDataRoot(t.dataRoot, '', true);
      expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
    },
  );

  it('counts a grab on a display that is not there as failed, stores nothing, and throws nothing', async () => {
    let number = 500;
    while (fs.existsSync(`/tmp/.X11-unix/X${number}`)) number++;
    t = await startTestEngine({ windowMs: 200, tsa: null });
    side = await openSideStore(t.engine);
    const logger = recordingLogger();
    const stills = new StillCapture(side.media, systemClock, logger, {
      env: { ...process.env, DISPLAY: `:${number}` },
      timeoutMs: 20_000,
    });
    const ack = await sendHook(t.info.socketPath, 'agent-still-2', 'PreToolUse');
    stills.onToolEvent(ack.sessionId, ack.seq, 'PreToolUse');
    await stills.flush();
    stills.onToolEvent(ack.sessionId, ack.seq, 'PostToolUse');
    await stills.flush();
    const status = stills.status();
    expect(status).toMatchObject({ taken: 0, failed: 2, skipped: 0 });
    expect(status.lastError).toMatch(/^STILL_UNAVAILABLE: /);
    expect(side.media.list(ack.sessionId)).toEqual([]);
    expect(logger.lines).toHaveLength(1); // one warning per distinct code
    expect(logger.lines[0]?.fields?.code).toBe('STILL_UNAVAILABLE');
  });
});
