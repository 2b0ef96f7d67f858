import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureStill } from '../../../native/screen/capture-still.ts';
import type { StillResult } from '../../../native/screen/capture-still.ts';
import { decodePng, decodeWithFfmpeg } from '../../unit/native/screen/png-decode.ts';
import { hasProgram, runClient, startClient, startStalledXServer, startXvfb, stopProcess } from './x-server.ts';
import type { Xvfb } from './x-server.ts';

// Real stills from a real X server (Debian: xvfb; xsetroot from x11-xserver-utils; xmessage from x11-utils;
// matchbox-window-manager). Each missing tool skips only the tests that need it, and says which.
const canRun = hasProgram('Xvfb') && hasProgram('xsetroot');
if (!canRun) console.warn('skipping still capture tests: install xvfb and x11-xserver-utils (Xvfb, xsetroot)');
const canTitle = hasProgram('matchbox-window-manager') && hasProgram('xmessage');
if (!canTitle) console.warn('skipping the window title test: install matchbox-window-manager and x11-utils');

const WIDTH = 640;
const HEIGHT = 400;
let xvfb: Xvfb;
const clients: ChildProcess[] = [];

beforeAll(async () => {
  if (canRun) xvfb = await startXvfb(WIDTH, HEIGHT);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map(stopProcess));
});

afterAll(async () => {
  if (canRun) await xvfb.stop();
});

function expectStill(result: StillResult): Extract<StillResult, { ok: true }> {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result;
}

/** Paints the whole root window one random colour and returns it as RGB. */
function paintRandomColour(): [number, number, number] {
  const rgb: [number, number, number] = [randomInt(256), randomInt(256), randomInt(256)];
  runClient(xvfb.display, 'xsetroot', ['-solid', `#${Buffer.from(rgb).toString('hex')}`]);
  return rgb;
}

describe.skipIf(!canRun)('captureStill on Xvfb', () => {
  it('takes a full-resolution still of the screen that decodes to the colour on it', async () => {
    const colour = paintRandomColour();
    const still = expectStill(await captureStill({ display: xvfb.display, timeoutMs: 20_000 }));
    expect([still.width, still.height]).toEqual([WIDTH, HEIGHT]);
    const decoded = decodePng(still.png);
    expect([decoded.width, decoded.height]).toEqual([WIDTH, HEIGHT]);
    const expected = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let at = 0; at < expected.length; at += 3) expected.set(colour, at);
    expect(decoded.rgb.equals(expected)).toBe(true);
    const byFfmpeg = decodeWithFfmpeg(still.png);
    if (byFfmpeg !== null) expect(byFfmpeg.equals(expected)).toBe(true);
  });

  it('returns the still with a null title when no window manager gives any window the focus', async () => {
    // Without a window manager the focus is PointerRoot; nut-js reading its title aborts the worker with an
    // X BadWindow error. The still was sent before that, and this process is untouched.
    paintRandomColour();
    const still = expectStill(await captureStill({ display: xvfb.display, timeoutMs: 20_000 }));
    expect(still.windowTitle).toBeNull();
    expect(decodePng(still.png).width).toBe(WIDTH);
  });

  it.skipIf(!canTitle)('returns the title of the focused window when a window manager runs', async () => {
    const marker = `MARKER title ${randomBytes(4).toString('hex')}`;
    clients.push(startClient(xvfb.display, 'matchbox-window-manager', ['-use_titlebar', 'no']));
    clients.push(startClient(xvfb.display, 'xmessage', ['-title', marker, 'still capture test window']));
    let title: string | null = null;
    for (let attempt = 0; attempt < 20 && title !== marker; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      title = expectStill(await captureStill({ display: xvfb.display, timeoutMs: 20_000 })).windowTitle;
    }
    expect(title).toBe(marker);
  });

  it('gives up on a display server that never answers, kills the worker, and says so', async () => {
    const stalled = await startStalledXServer();
    try {
      const started = Date.now();
      // 5 s: long enough for the worker to start and connect on a busy machine (it must have reached the
      // server for the test to mean anything), short enough to show that it does not wait for ever.
      const result = await captureStill({ display: stalled.display, timeoutMs: 5000 });
      expect(result).toEqual({
        ok: false,
        code: 'STILL_TIMEOUT',
        message: 'no still within 5000 ms; the still worker was killed',
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(stalled.connections()).toBeGreaterThanOrEqual(1);
      await stalled.closed; // the worker's connection dropped: it is dead, not left hanging
    } finally {
      stalled.stop();
    }
  });

  it('reports a display that cannot be opened as unavailable', async () => {
    let number = 500;
    while (fs.existsSync(`/tmp/.X11-unix/X${number}`)) number++;
    const result = await captureStill({ display: `:${number}`, timeoutMs: 20_000 });
    expect(result).toMatchObject({ ok: false, code: 'STILL_UNAVAILABLE' });
  });

  it('runs the compiled worker from dist/ the same way', async (context) => {
    const compiled = fileURLToPath(new URL('../../../dist/native/screen/capture-still.js', import.meta.url));
    if (!fs.existsSync(compiled)) {
      context.skip('dist/ is not built (npm run build)');
      return;
    }
    const { captureStill: compiledCapture } = (await import(compiled)) as { captureStill: typeof captureStill };
    const colour = paintRandomColour();
    const still = expectStill(await compiledCapture({ display: xvfb.display, timeoutMs: 20_000 }));
    expect([...decodePng(still.png).rgb.subarray(0, 3)]).toEqual(colour);
  });
});

describe('captureStill without a display', () => {
  it('answers unavailable at once on X11 when there is no DISPLAY, without starting a worker', async () => {
    const result = await captureStill({ timeoutMs: 1000, env: { PATH: process.env.PATH }, platform: 'linux' });
    expect(result).toMatchObject({ ok: false, code: 'STILL_UNAVAILABLE' });
    if (!result.ok) expect(result.message).toContain('DISPLAY is not set');
  });
});
