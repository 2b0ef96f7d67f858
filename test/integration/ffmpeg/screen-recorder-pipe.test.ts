import { describe, expect, it } from 'vitest';
import { captureArgs } from '../../../native/ffmpeg/capture-args.ts';
import type { Fmp4Init } from '../../../native/ffmpeg/fmp4-splitter.ts';
import { startScreenRecorder } from '../../../native/ffmpeg/screen-recorder.ts';
import type {
  RecordedFragment,
  ScreenRecorderExit,
  ScreenRecorderOptions,
} from '../../../native/ffmpeg/screen-recorder.ts';
import { hasFfmpeg, withLavfiSource } from './ffmpeg-run.ts';

// The recorder around a real ffmpeg whose input is a lavfi test source (no X server needed): the time
// anchor without an epoch banner, broken output, a missing binary, a failing callback.
if (!hasFfmpeg) console.warn('skipping screen recorder pipe tests: install ffmpeg');

const settings = { fps: 5, maxLongSide: 640, display: ':0', windowMs: 1000, phaseMs: 0 };

interface Recording {
  init: Fmp4Init | null;
  readonly fragments: RecordedFragment[];
  readonly exited: Promise<ScreenRecorderExit>;
}

function record(
  options: Partial<ScreenRecorderOptions> & { args: readonly string[] },
): Recording & { stop(): Promise<void> } {
  let onExit: (e: ScreenRecorderExit) => void = () => undefined;
  const exited = new Promise<ScreenRecorderExit>((resolve) => (onExit = resolve));
  const recording: Recording = { init: null, fragments: [], exited };
  const recorder = startScreenRecorder({
    ffmpeg: 'ffmpeg',
    onInit: (init) => (recording.init = init),
    onFragment: (f) => recording.fragments.push(f),
    onExit,
    ...options,
  });
  return Object.assign(recording, { stop: () => recorder.stop() });
}

describe.skipIf(!hasFfmpeg)('startScreenRecorder with a real ffmpeg', () => {
  it('anchors to the spawn time when the banner has no epoch start (lavfi starts at 0)', async () => {
    const spawnedAt = 1_700_000_000_000;
    const args = withLavfiSource(captureArgs('x11grab', settings), 'testsrc2=size=640x360:rate=5:duration=2', true);
    const r = record({ args, spawnedAtMs: () => spawnedAt });
    const exit = await r.exited;
    expect(exit).toMatchObject({ code: 0, signal: null, requested: false });
    expect(exit.error).toBeUndefined();
    expect(r.init).toMatchObject({ width: 640, height: 360 });
    expect(r.fragments[0]?.startMs).toBe(spawnedAt);
    expect(r.fragments.at(-1)?.endMs).toBeCloseTo(spawnedAt + 2000, -1);
    for (const [i, f] of r.fragments.entries()) {
      expect(f.sequence).toBe(i + 1);
      if (i > 0) expect(f.startMs).toBeCloseTo(r.fragments[i - 1]?.endMs ?? 0, 3);
    }
  });

  it('kills ffmpeg and reports E_MEDIA_FORMAT when its output is not fragmented MP4', async () => {
    const args = [...withLavfiSource(captureArgs('x11grab', settings), 'testsrc2=size=640x360:rate=5', true)];
    args.splice(args.indexOf('mp4'), 1, 'mpegts'); // -f mpegts: 188-byte packets, no boxes
    const r = record({ args });
    const exit = await r.exited;
    expect(exit.requested).toBe(false);
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.error?.code).toBe('E_MEDIA_FORMAT');
    expect(exit.stderrTail).toContain('[aev] E_MEDIA_FORMAT: malformed fragmented MP4');
    expect(r.fragments).toEqual([]);
  });

  it('reports a binary that cannot be started', async () => {
    const r = record({ ffmpeg: '/nonexistent/ffmpeg', args: ['-version'] });
    const exit = await r.exited;
    expect(exit).toMatchObject({ code: null, requested: false });
    expect(exit.error?.code).toBe('E_CAPTURE_FAILED');
    expect(exit.error?.message).toContain('/nonexistent/ffmpeg');
  });

  it('ends the recording, not the process, when a callback throws', async () => {
    const args = withLavfiSource(captureArgs('x11grab', settings), 'testsrc2=size=640x360:rate=5', true);
    const r = record({
      args,
      onFragment: () => {
        throw new Error('engine bug');
      },
    });
    const exit = await r.exited;
    expect(exit.error?.code).toBe('E_CAPTURE_FAILED');
    expect(exit.error?.message).toContain('engine bug');
    expect(exit.signal).toBe('SIGKILL');
  });

  it('stops on request with exit code 0 and resolves after the last fragment', async () => {
    const args = withLavfiSource(captureArgs('x11grab', settings), 'testsrc2=size=640x360:rate=5', true);
    const r = record({ args });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = r.fragments.length;
    await r.stop();
    const exit = await r.exited;
    expect(exit).toMatchObject({ code: 0, requested: true });
    expect(exit.error).toBeUndefined();
    expect(r.fragments.length).toBeGreaterThan(before); // the tail written on `q` was delivered
    await r.stop(); // a second stop is harmless
  });
});
