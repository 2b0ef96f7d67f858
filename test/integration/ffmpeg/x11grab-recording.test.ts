import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureArgs } from '../../../native/ffmpeg/capture-args.ts';
import type { CaptureSettings } from '../../../native/ffmpeg/capture-args.ts';
import type { Fmp4Init } from '../../../native/ffmpeg/fmp4-splitter.ts';
import { startScreenRecorder } from '../../../native/ffmpeg/screen-recorder.ts';
import type { RecordedFragment, ScreenRecorder, ScreenRecorderExit } from '../../../native/ffmpeg/screen-recorder.ts';
import { hasProgram, runClient, startClient, startXvfb, stopProcess } from '../screen/x-server.ts';
import type { Xvfb } from '../screen/x-server.ts';
import { until } from '../../helpers/sealing.ts';
import { decodeFrames, hasFfmpeg, near } from './ffmpeg-run.ts';

// Real pixels: Xvfb (Debian xvfb) at 1920x1080, recorded by the real ffmpeg through x11grab, painted with
// xsetroot (x11-xserver-utils); the still-screen cost test fills the screen with text using xmessage (x11-utils).
const canRun = hasFfmpeg && hasProgram('Xvfb') && hasProgram('xsetroot');
if (!canRun) console.warn('skipping x11grab recording tests: install ffmpeg, xvfb and x11-xserver-utils');
const canText = hasProgram('xmessage');
if (canRun && !canText) console.warn('skipping the still-text cost test: install x11-utils (xmessage)');

const RED = [255, 0, 0] as const;
const BLUE = [0, 0, 255] as const;
/** A pixel away from the pointer x11grab draws in the middle of the screen. */
const PROBE = { x: 200, y: 200 };

let xvfb: Xvfb;
const clients: ChildProcess[] = [];

beforeAll(async () => {
  if (canRun) xvfb = await startXvfb(1920, 1080);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map(stopProcess));
});
afterAll(async () => {
  if (canRun) await xvfb.stop();
});

interface Session {
  init: Fmp4Init | null;
  readonly fragments: (RecordedFragment & { readonly arrivedMs: number })[];
  readonly exited: Promise<ScreenRecorderExit>;
  readonly recorder: ScreenRecorder;
  readonly spawnedMs: number;
}

function record(settings: Partial<CaptureSettings> = {}, env?: Record<string, string | undefined>): Session {
  let onExit: (e: ScreenRecorderExit) => void = () => undefined;
  const exited = new Promise<ScreenRecorderExit>((resolve) => (onExit = resolve));
  const fragments: Session['fragments'] = [];
  const session: { init: Fmp4Init | null } = { init: null };
  const spawnedMs = Date.now();
  const args = captureArgs('x11grab', {
    fps: 5,
    maxLongSide: 1920,
    display: xvfb.display,
    windowMs: 1000,
    phaseMs: 0,
    ...settings,
  });
  const recorder = startScreenRecorder({
    ffmpeg: 'ffmpeg',
    args,
    onInit: (init) => (session.init = init),
    onFragment: (f) => fragments.push({ ...f, arrivedMs: Date.now() }),
    onExit,
    ...(env === undefined ? {} : { env }),
  });
  return Object.assign(session, { fragments, exited, recorder, spawnedMs });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function joined(s: Session): Buffer {
  if (s.init === null) throw new Error('no init segment');
  return Buffer.concat([s.init.bytes, ...s.fragments.map((f) => f.bytes)]);
}

describe.skipIf(!canRun)('x11grab recording on Xvfb', () => {
  it('records the screen as init + wall-clock fragments, keyframed per window, that decode to what was shown', async () => {
    runClient(xvfb.display, 'xsetroot', ['-solid', 'red']);
    const s = record({ windowMs: 1000 });
    await sleep(2000);
    const paintStart = Date.now();
    runClient(xvfb.display, 'xsetroot', ['-solid', 'blue']);
    const paintEnd = Date.now();
    await sleep(2000);
    const stopAt = Date.now();
    await s.recorder.stop();
    const exit = await s.exited;

    expect(exit).toMatchObject({ code: 0, requested: true });
    expect(exit.error).toBeUndefined();
    expect(s.init).toMatchObject({ width: 1920, height: 1080 });
    expect(s.init?.codec).toMatch(/^avc1\./);

    // Sequenced, contiguous, increasing, and on the wall clock: the first frame within a moment of the
    // spawn, every fragment delivered shortly after its end, the last one reaching the stop.
    const f = s.fragments;
    expect(f.length).toBeGreaterThanOrEqual(4);
    f.forEach((fragment, i) => {
      expect(fragment.sequence).toBe(i + 1);
      expect(fragment.endMs).toBeGreaterThan(fragment.startMs);
      if (i > 0) expect(fragment.startMs).toBeCloseTo(f[i - 1]?.endMs ?? 0, 3);
      // A fragment ends where the next frame starts, which had to be grabbed before the fragment could
      // be written; the last one's end is the muxer's guess at its final frame's duration.
      if (i < f.length - 1) {
        expect(fragment.endMs).toBeLessThanOrEqual(fragment.arrivedMs + 50);
        expect(fragment.arrivedMs - fragment.endMs).toBeLessThan(600);
      }
    });
    const first = f[0];
    const last = f.at(-1);
    if (first === undefined || last === undefined) throw new Error('no fragments');
    expect(first.startMs - s.spawnedMs).toBeGreaterThanOrEqual(0);
    expect(first.startMs - s.spawnedMs).toBeLessThan(2000);
    expect(Math.abs(last.endMs - stopAt)).toBeLessThan(1200);

    // One keyframe fragment per 1 s window, each in its own window.
    const keyWindows = f.filter((x) => x.keyframe).map((x) => Math.floor((x.startMs - first.startMs + 1) / 1000));
    expect(new Set(keyWindows).size).toBe(keyWindows.length);
    expect(keyWindows.length).toBeGreaterThanOrEqual(3);
    expect(keyWindows.length).toBeLessThanOrEqual(6);

    // The recording decodes; duplicates were dropped (~1 frame/s while still, up to 5/s around the change).
    const frames = decodeFrames(joined(s), PROBE);
    const seconds = (last.endMs - first.startMs) / 1000;
    expect(frames.length).toBeGreaterThanOrEqual(Math.floor(seconds) - 1);
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(seconds * 5) + 1);
    expect(near(frames[0]?.rgb ?? [], RED)).toBe(true);
    expect(near(frames.at(-1)?.rgb ?? [], BLUE)).toBe(true);

    // The first blue frame's wall time (from the fragment mapping) lies where the paint really happened:
    // no earlier than the xsetroot call, no later than one frame interval plus slack after it returned.
    const zero = first.startMs - (frames[0]?.pts ?? 0) * 1000;
    const firstBlue = frames.find((x) => near(x.rgb, BLUE));
    if (firstBlue === undefined) throw new Error('no blue frame decoded');
    const blueAt = zero + firstBlue.pts * 1000;
    expect(blueAt).toBeGreaterThanOrEqual(paintStart - 100);
    expect(blueAt).toBeLessThanOrEqual(paintEnd + 300);
    const lags = f.slice(0, -1).map((x) => x.arrivedMs - x.endMs);
    console.log(
      `x11grab 1920x1080 @5fps, 1 s windows: ${f.length} fragments (${keyWindows.length} keyframe), ${frames.length} frames; ` +
        `first frame ${Math.round(first.startMs - s.spawnedMs)} ms after spawn; colour change seen ${Math.round(blueAt - paintStart)} ms ` +
        `after xsetroot began (it took ${paintEnd - paintStart} ms); fragment delivered ${Math.round(Math.min(...lags))}..${Math.round(Math.max(...lags))} ms after its end`,
    );
  });

  it('records the DISPLAY of its environment when no display is named, and reports a kill from outside', async () => {
    runClient(xvfb.display, 'xsetroot', ['-solid', 'green']);
    const s = record({ display: undefined }, { ...process.env, DISPLAY: xvfb.display });
    // The first fragment follows the first keyframe; on a busy machine ffmpeg may take seconds to start.
    await until(() => s.fragments.length >= 1, 15_000, 'the first fragment');
    expect(s.init).toMatchObject({ width: 1920, height: 1080 });
    expect(s.fragments.length).toBeGreaterThanOrEqual(1);
    process.kill(s.recorder.pid ?? 0, 'SIGKILL');
    const exit = await s.exited;
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL', requested: false });
    await s.recorder.stop(); // resolves at once: the process is gone
  });

  it.skipIf(!canText)('keeps a still 1080p screen full of text cheap (10 s at 5 fps, 10 s windows)', async () => {
    runClient(xvfb.display, 'xsetroot', ['-solid', 'white']);
    const text = Array.from(
      { length: 80 },
      (_, i) =>
        `${String(i).padStart(3)}  export function line${i}(value: number): string { return String(value * ${i}); }`,
    ).join('\n');
    clients.push(startClient(xvfb.display, 'xmessage', ['-geometry', '1920x1080+0+0', text]));
    await sleep(800);
    const s = record({ windowMs: 10_000 });
    await sleep(10_000);
    await s.recorder.stop();
    await s.exited;
    const bytes = joined(s).length;
    const first = s.fragments[0];
    const last = s.fragments.at(-1);
    const seconds = first !== undefined && last !== undefined ? (last.endMs - first.startMs) / 1000 : 10;
    const perSecond = Math.round(bytes / seconds);
    console.log(
      `still 1920x1080 text screen: ${bytes} bytes in ${seconds.toFixed(1)} s = ${perSecond} B/s ` +
        `(${s.fragments.length} fragments, ${s.fragments.filter((f) => f.keyframe).length} keyframe, first ${first?.bytes.length ?? 0} B)`,
    );
    expect(perSecond).toBeLessThan(20_000);
    const frames = decodeFrames(joined(s), PROBE);
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2); // ~1 frame/s survives mpdecimate
  });
});
