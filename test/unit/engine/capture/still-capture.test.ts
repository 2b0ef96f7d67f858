import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StillCapture } from '../../../../electron/engine/capture/still-capture.ts';
import type { Clock } from '../../../../electron/engine/runtime/clock.ts';
import type { captureStill, StillResult } from '../../../../native/screen/capture-still.ts';
import { encodePng } from '../../../../native/screen/png-encoder.ts';
import { readTextChunks } from '../../../../native/screen/png-text.ts';
import { decodePng } from '../../native/screen/png-decode.ts';
import { mediaFixture, recordingLogger } from './media-fixture.ts';
import type { MediaFixture } from './media-fixture.ts';

// The bookkeeping around a grab, with a stand-in for the worker (real grabs on Xvfb are in
// test/integration/capture/still-capture.test.ts); the vault and index are real.

let f: MediaFixture;
beforeEach(async () => {
  f = await mediaFixture();
});
afterEach(() => {
  f.close();
});

const TITLE = 'Secret Project — Visual Studio Code';
const PNG = encodePng({
  width: 8,
  height: 5,
  data: Buffer.alloc(8 * 5 * 3, 0x55),
  channels: 3,
  bytesPerRow: 24,
  order: 'rgb',
});

/** A clock the test moves: each reading is 250 ms after the previous one. */
function steppingClock(startMs: number): Clock {
  let now = startMs;
  return { now: () => (now += 250), monoUs: () => now * 1000 };
}

/** A grabber the test answers by hand, to hold a grab "in flight". */
function heldGrabber() {
  const pending: ((r: StillResult) => void)[] = [];
  const grab: typeof captureStill = () =>
    new Promise((resolve) => {
      pending.push(resolve);
    });
  return { grab, pending };
}

const ok = (windowTitle: string | null): StillResult => ({ ok: true, png: PNG, width: 8, height: 5, windowTitle });

describe('StillCapture', () => {
  it('stores the still with the window title inside the PNG and nowhere in clear', async () => {
    const logger = recordingLogger();
    const sc = new StillCapture(f.media, steppingClock(Date.UTC(2026, 0, 1)), logger, {
      env: {},
      capture: () => Promise.resolve(ok(TITLE)),
    });
    sc.onToolEvent(f.sessionId, 7, 'PreToolUse');
    await sc.flush();
    expect(sc.status()).toEqual({ taken: 1, failed: 0, skipped: 0, lastError: null });
    const [item] = f.media.list(f.sessionId);
    expect(item?.kind).toBe('still');
    expect(item?.info).toEqual({ event: 7, at: 'PreToolUse', width: 8, height: 5 });
    // The item's interval spans asking the worker and its answer.
    expect([item?.start, item?.end]).toEqual(['2026-01-01T00:00:00.250Z', '2026-01-01T00:00:00.500Z']);
    const [png] = await f.contents('still');
    if (png === undefined) throw new Error('no still stored');
    expect(readTextChunks(png)).toEqual([{ keyword: 'Title', text: TITLE }]);
    expect(decodePng(png).rgb.equals(decodePng(PNG).rgb)).toBe(true);
    const clear = f.db.prepare<[], { descriptor: Buffer }>('SELECT descriptor FROM media').all();
    expect(clear.some((r) => r.descriptor.includes(TITLE))).toBe(false);
    expect(JSON.stringify(logger.lines)).not.toContain('Secret Project');
  });

  it('stores a still without a title chunk when the title could not be read', async () => {
    const sc = new StillCapture(f.media, steppingClock(0), recordingLogger(), {
      env: {},
      capture: () => Promise.resolve(ok(null)),
    });
    sc.onToolEvent(f.sessionId, 1, 'PostToolUse');
    await sc.flush();
    const [png] = await f.contents('still');
    expect(png?.equals(PNG)).toBe(true);
  });

  it('skips and counts tool events that arrive while a grab runs, and never queues them', async () => {
    const held = heldGrabber();
    const sc = new StillCapture(f.media, steppingClock(0), recordingLogger(), { env: {}, capture: held.grab });
    sc.onToolEvent(f.sessionId, 1, 'PreToolUse');
    sc.onToolEvent(f.sessionId, 2, 'PostToolUse');
    sc.onToolEvent(f.sessionId, 3, 'PreToolUse');
    expect(held.pending).toHaveLength(1);
    expect(sc.status().skipped).toBe(2);
    held.pending[0]?.(ok(TITLE));
    await sc.flush();
    sc.onToolEvent(f.sessionId, 4, 'PostToolUse'); // the grabber is free again
    expect(held.pending).toHaveLength(2);
    held.pending[1]?.(ok(null));
    await sc.flush();
    expect(sc.status()).toEqual({ taken: 2, failed: 0, skipped: 2, lastError: null });
    expect(f.media.list(f.sessionId).map((m) => m.info.event)).toEqual([1, 4]);
  });

  it('counts failures, keeps the last one, and logs each distinct code once', async () => {
    const results: StillResult[] = [
      { ok: false, code: 'STILL_UNAVAILABLE', message: 'cannot open the display' },
      { ok: false, code: 'STILL_UNAVAILABLE', message: 'cannot open the display' },
      { ok: false, code: 'STILL_TIMEOUT', message: 'no still within 5000 ms' },
    ];
    const logger = recordingLogger();
    const sc = new StillCapture(f.media, steppingClock(0), logger, {
      env: {},
      capture: () => Promise.resolve(results.shift() ?? ok(null)),
    });
    for (let i = 1; i <= 4; i++) {
      sc.onToolEvent(f.sessionId, i, 'PreToolUse');
      await sc.flush();
    }
    expect(sc.status()).toEqual({
      taken: 1,
      failed: 3,
      skipped: 0,
      lastError: 'STILL_TIMEOUT: no still within 5000 ms',
    });
    expect(logger.lines.map((l) => [l.level, l.fields?.code])).toEqual([
      ['warn', 'STILL_UNAVAILABLE'],
      ['warn', 'STILL_TIMEOUT'],
    ]);
  });

  it('counts a still that cannot be stored as failed, without throwing', async () => {
    f.db.prepare('UPDATE sessions SET chain_final = 1 WHERE id = ?').run(f.sessionId);
    const sc = new StillCapture(f.media, steppingClock(0), recordingLogger(), {
      env: {},
      capture: () => Promise.resolve(ok(TITLE)),
    });
    sc.onToolEvent(f.sessionId, 1, 'PreToolUse');
    await sc.flush();
    expect(sc.status()).toMatchObject({ taken: 0, failed: 1 });
    expect(sc.status().lastError).toMatch(/^E_INTERNAL: .*sealed for good/);
    expect(sc.status().lastError).not.toContain('Secret');
  });

  it('passes the display, the timeout and the environment to the grabber', async () => {
    const seen: unknown[] = [];
    const sc = new StillCapture(f.media, steppingClock(0), recordingLogger(), {
      env: { DISPLAY: ':0', PATH: '/usr/bin' },
      display: ':9',
      timeoutMs: 1234,
      capture: (options) => {
        seen.push(options);
        return Promise.resolve(ok(null));
      },
    });
    sc.onToolEvent(f.sessionId, 1, 'PreToolUse');
    await sc.flush();
    expect(seen).toEqual([{ display: ':9', timeoutMs: 1234, env: { DISPLAY: ':0', PATH: '/usr/bin' } }]);
  });
});
