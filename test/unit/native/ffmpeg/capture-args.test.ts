import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { captureArgs, keyframeExpression } from '../../../../native/ffmpeg/capture-args.ts';
import type { CaptureSettings } from '../../../../native/ffmpeg/capture-args.ts';
import { parseAvfoundationDevices } from '../../../../native/ffmpeg/device-list.ts';

const base: CaptureSettings = { fps: 5, maxLongSide: 1920, display: ':1', windowMs: 10_000, phaseMs: 0 };

function devices(name: string): ReturnType<typeof parseAvfoundationDevices> {
  const text = fs.readFileSync(new URL(`../../../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');
  return parseAvfoundationDevices(text);
}

/** The value following `flag`, or undefined. */
function valueOf(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
}

/** The arguments before the first output option (-vf / -filter_complex). */
function inputPart(args: readonly string[]): string[] {
  const at = args.findIndex((a) => a === '-vf' || a === '-filter_complex');
  return args.slice(4, at);
}

describe('captureArgs: the shared output', () => {
  const args = captureArgs('x11grab', base);

  it('writes fragmented MP4 (empty moov, a fragment per keyframe and per second) to stdout', () => {
    expect(args.slice(-7)).toEqual([
      '-f',
      'mp4',
      '-movflags',
      'frag_keyframe+empty_moov+default_base_moof',
      '-frag_duration',
      '1000000',
      'pipe:1',
    ]);
  });

  it('encodes libx264 fast/zerolatency yuv420p at a fixed CRF with variable frame rate', () => {
    expect(valueOf(args, '-c:v')).toBe('libx264');
    expect(valueOf(args, '-preset')).toBe('fast');
    expect(valueOf(args, '-tune')).toBe('zerolatency');
    expect(valueOf(args, '-pix_fmt')).toBe('yuv420p');
    expect(Number(valueOf(args, '-crf'))).toBeGreaterThanOrEqual(18);
    expect(valueOf(args, '-fps_mode')).toBe('vfr');
    expect(args).toContain('-an');
    expect(valueOf(args, '-x264-params')).toBe('qcomp=1');
  });

  it('never passes -nostdin (stop() quits ffmpeg by writing q to stdin) and keeps the info banner', () => {
    expect(args).not.toContain('-nostdin');
    expect(valueOf(args, '-loglevel')).toBe('info');
    expect(args).toContain('-nostats');
  });

  it('caps the long side, keeps even sizes and square pixels, then drops duplicates keeping ~1 frame/s', () => {
    const vf = valueOf(args, '-vf') ?? '';
    expect(vf).toContain('min(iw\\,1920)');
    expect(vf).toContain('min(ih\\,1920)');
    expect(vf).toContain('-2');
    expect(vf).toContain('setsar=1');
    expect(vf.endsWith(',format=yuv420p,mpdecimate=max=4')).toBe(true);
    expect(valueOf(captureArgs('x11grab', { ...base, fps: 10 }), '-vf')).toContain('mpdecimate=max=9');
    // At 1 frame/s every frame is already a second apart: nothing to decimate.
    expect(valueOf(captureArgs('x11grab', { ...base, fps: 1 }), '-vf')).not.toContain('mpdecimate');
  });

  it('forces keyframes on the window grid given by windowMs and phaseMs', () => {
    const expr = valueOf(captureArgs('x11grab', { ...base, windowMs: 10_000, phaseMs: 2_500 }), '-force_key_frames');
    expect(expr).toBe('expr:if(isnan(prev_forced_t),1,gt(floor((t-2.5)/10),floor((prev_forced_t-2.5)/10)))');
    expect(args).toContain('-forced-idr');
  });

  it('refuses settings it cannot honour', () => {
    for (const bad of [
      { fps: 0 },
      { fps: 240 },
      { maxLongSide: 8 },
      { windowMs: 0 },
      { phaseMs: Number.NaN },
      { region: { x: -1, y: 0, width: 100, height: 100 } },
      { region: { x: 0, y: 0, width: 10.5, height: 100 } },
    ]) {
      expect(() => captureArgs('x11grab', { ...base, ...bad })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    }
  });
});

describe('keyframeExpression', () => {
  it('folds a phase beyond one window (or negative) back into the first window', () => {
    expect(keyframeExpression(1000, 1300)).toBe(keyframeExpression(1000, 300));
    expect(keyframeExpression(1000, -700)).toBe(keyframeExpression(1000, 300));
  });
});

describe('captureArgs: x11grab', () => {
  it('grabs the display at the requested rate with the pointer drawn', () => {
    expect(inputPart(captureArgs('x11grab', base))).toEqual([
      '-f',
      'x11grab',
      '-framerate',
      '5',
      '-draw_mouse',
      '1',
      '-i',
      ':1',
    ]);
  });

  it('grabs only the region: size option plus +x,y on the display name', () => {
    const args = captureArgs('x11grab', { ...base, display: ':99', region: { x: 10, y: 20, width: 800, height: 600 } });
    expect(inputPart(args)).toEqual([
      '-f',
      'x11grab',
      '-framerate',
      '5',
      '-draw_mouse',
      '1',
      '-video_size',
      '800x600',
      '-i',
      ':99+10,20',
    ]);
    expect(valueOf(args, '-vf')).not.toContain('crop=');
  });

  it("leaves the display name empty without one, so ffmpeg's xcb connection uses its own DISPLAY", () => {
    const { display: _omitted, ...noDisplay } = base;
    expect(valueOf(captureArgs('x11grab', noDisplay), '-i')).toBe('');
    const region = { x: 4, y: 6, width: 100, height: 50 };
    expect(valueOf(captureArgs('x11grab', { ...noDisplay, region }), '-i')).toBe('+4,6');
  });
});

describe('captureArgs: avfoundation', () => {
  it('resolves "Capture screen 0" to its index behind four cameras, without audio', () => {
    const args = captureArgs(
      'avfoundation',
      { ...base, display: 'Capture screen 0' },
      devices('avfoundation-ffmpeg3.4-four-cameras.txt'),
    );
    expect(inputPart(args)).toEqual([
      '-f',
      'avfoundation',
      '-framerate',
      '5',
      '-capture_cursor',
      '1',
      '-pixel_format',
      'nv12',
      '-i',
      '3:none',
    ]);
  });

  it('picks the second display by name and defaults to the first screen', () => {
    const list = devices('avfoundation-two-screens.txt');
    expect(valueOf(captureArgs('avfoundation', { ...base, display: 'Capture screen 1' }, list), '-i')).toBe('2:none');
    const { display: _omitted, ...noDisplay } = base;
    expect(valueOf(captureArgs('avfoundation', noDisplay, list), '-i')).toBe('1:none');
  });

  it('crops to a region in the filter chain (avfoundation has no region option)', () => {
    const region = { x: 100, y: 50, width: 1280, height: 720 };
    const args = captureArgs(
      'avfoundation',
      { ...base, display: 'Capture screen 0', region },
      devices('avfoundation-two-screens.txt'),
    );
    expect(valueOf(args, '-vf')?.startsWith('crop=1280:720:100:50,scale=')).toBe(true);
  });

  it('names the screens it has when the requested one is not there', () => {
    const call = (): string[] =>
      captureArgs('avfoundation', { ...base, display: 'Capture screen 3' }, devices('avfoundation-two-screens.txt'));
    expect(call).toThrow(expect.objectContaining({ code: 'E_CAPTURE_UNAVAILABLE' }));
    expect(call).toThrow('"Capture screen 0", "Capture screen 1"');
  });

  it('needs the device list', () => {
    expect(() => captureArgs('avfoundation', base)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });
});

describe('captureArgs: ddagrab', () => {
  it('builds a lavfi graph: ddagrab, download from the GPU as bgra, then the shared chain', () => {
    const args = captureArgs('ddagrab', { ...base, display: '1' });
    expect(args).not.toContain('-i');
    expect(args).not.toContain('-vf');
    const graph = valueOf(args, '-filter_complex') ?? '';
    expect(graph.startsWith('ddagrab=output_idx=1:framerate=5:draw_mouse=1,hwdownload,format=bgra,scale=')).toBe(true);
    expect(graph.endsWith('mpdecimate=max=4')).toBe(true);
  });

  it('passes a region as ddagrab offsets and size, and defaults to output 0', () => {
    const { display: _omitted, ...noDisplay } = base;
    const graph = valueOf(
      captureArgs('ddagrab', { ...noDisplay, region: { x: 8, y: 16, width: 640, height: 480 } }),
      '-filter_complex',
    );
    expect(
      graph?.startsWith('ddagrab=output_idx=0:framerate=5:draw_mouse=1:offset_x=8:offset_y=16:video_size=640x480,'),
    ).toBe(true);
  });

  it('refuses an output that is not an index', () => {
    expect(() => captureArgs('ddagrab', { ...base, display: ':0' })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
  });
});

describe('captureArgs: gdigrab', () => {
  it('grabs the desktop, with a region given as offsets and size', () => {
    expect(inputPart(captureArgs('gdigrab', base))).toEqual([
      '-f',
      'gdigrab',
      '-framerate',
      '5',
      '-draw_mouse',
      '1',
      '-i',
      'desktop',
    ]);
    const args = captureArgs('gdigrab', { ...base, region: { x: -0, y: 50, width: 1280, height: 720 } });
    expect(inputPart(args)).toEqual([
      '-f',
      'gdigrab',
      '-framerate',
      '5',
      '-draw_mouse',
      '1',
      '-offset_x',
      '0',
      '-offset_y',
      '50',
      '-video_size',
      '1280x720',
      '-i',
      'desktop',
    ]);
  });
});
