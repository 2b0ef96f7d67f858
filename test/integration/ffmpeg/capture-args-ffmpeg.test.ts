import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { captureArgs } from '../../../native/ffmpeg/capture-args.ts';
import type { CaptureSettings } from '../../../native/ffmpeg/capture-args.ts';
import { Fmp4Splitter } from '../../../native/ffmpeg/fmp4-splitter.ts';
import type { Fmp4Fragment, Fmp4Init } from '../../../native/ffmpeg/fmp4-splitter.ts';
import { hasFfmpeg, withLavfiSource } from './ffmpeg-run.ts';

// The x11grab argument list, run by the real ffmpeg with a lavfi test source standing in for the screen:
// it proves the filter chain, the keyframe expression and the muxer flags do what the builder promises.
if (!hasFfmpeg) console.warn('skipping capture argument runs: install ffmpeg');

const settings: CaptureSettings = { fps: 5, maxLongSide: 1920, display: ':0', windowMs: 1000, phaseMs: 0 };

function run(source: string, s: CaptureSettings): { init: Fmp4Init; fragments: Fmp4Fragment[] } {
  const result = spawnSync('ffmpeg', withLavfiSource(captureArgs('x11grab', s), source), {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(result.stderr.toString());
  const splitter = new Fmp4Splitter();
  const parts = splitter.push(result.stdout);
  splitter.end();
  const init = parts.find((p) => p.kind === 'init')?.init;
  if (init === undefined) throw new Error('no init');
  return { init, fragments: parts.flatMap((p) => (p.kind === 'fragment' ? [p.fragment] : [])) };
}

describe.skipIf(!hasFfmpeg)('captureArgs run by ffmpeg', () => {
  it.each([
    ['3840x2160', 1920, [1920, 1080]],
    ['1921x1081', 1920, [1920, 1080]],
    ['1281x721', 1920, [1280, 720]],
    ['2160x3840', 1920, [1080, 1920]],
    ['800x600', 1920, [800, 600]],
    ['2560x1600', 1280, [1280, 800]],
  ] as const)('scales a %s screen with long side %d to %j', (size, maxLongSide, expected) => {
    const { init } = run(`color=c=gray:size=${size}:rate=5:duration=1`, { ...settings, maxLongSide });
    expect([init.width, init.height]).toEqual(expected);
  });

  it('forces a keyframe on the first frame of every window, counted from phaseMs', () => {
    const { init, fragments } = run('testsrc2=size=640x360:rate=5:duration=5', { ...settings, phaseMs: 300 });
    const keyTimes = fragments.filter((f) => f.keyframe).map((f) => f.decodeTime / init.timescale);
    // Frames every 0.2 s; boundaries at 0.3, 1.3, 2.3, 3.3, 4.3 → the first frames after them.
    expect(keyTimes.map((t) => Math.round(t * 10) / 10)).toEqual([0, 0.4, 1.4, 2.4, 3.4, 4.4]);
  });

  it('drops duplicate frames of a still screen but keeps about one per second', () => {
    const { fragments } = run('color=c=red:size=1920x1080:rate=5:duration=6', settings);
    const frames = fragments.reduce((n, f) => n + f.samples, 0);
    expect(frames).toBeGreaterThanOrEqual(5);
    expect(frames).toBeLessThanOrEqual(8); // instead of 30
  });
});
