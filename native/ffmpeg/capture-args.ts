import { AevError, assertNever } from '../../electron/common/errors.ts';
import { avfoundationScreens } from './device-list.ts';
import type { AvfoundationDevices } from './device-list.ts';

export type CaptureBackend = 'x11grab' | 'avfoundation' | 'ddagrab' | 'gdigrab';

export interface CaptureRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface CaptureSettings {
  /** Frames per second grabbed; duplicates are dropped afterwards. */
  readonly fps: number;
  /** Longest side of the encoded picture; larger screens are scaled down, smaller ones kept. */
  readonly maxLongSide: number;
  /**
   * x11grab: X display (":1"; default: the DISPLAY of ffmpeg's environment); avfoundation: screen name
   * (default "Capture screen 0"); ddagrab: output index (default 0). gdigrab records the whole desktop.
   */
  readonly display?: string;
  /** In screen pixels; x11grab and gdigrab grab only this, the others crop to it. */
  readonly region?: CaptureRegion;
  /** Seal window length: a keyframe is forced at every window boundary. */
  readonly windowMs: number;
  /** Milliseconds from video t=0 to the first window boundary. */
  readonly phaseMs: number;
}

/** Defaults for the engine's capture settings (DESIGN.md §4: idle screens must cost almost nothing). */
export const DEFAULT_FPS = 5;
export const DEFAULT_MAX_LONG_SIDE = 1920;
/** x264 CRF: small text stays legible (checked on a 1080p screen of code). */
const CRF = '30';

/**
 * The ffmpeg command line (without the program) that grabs the screen with `backend` and writes
 * fragmented MP4 to stdout. Pure: everything it needs (avfoundation's device list included) is passed in.
 */
export function captureArgs(
  backend: CaptureBackend,
  settings: CaptureSettings,
  devices?: AvfoundationDevices,
): string[] {
  checkSettings(settings);
  return [
    // -loglevel info is the lowest level that still prints the input banner with `start:` (the epoch of
    // the first x11grab/gdigrab frame); -nostats drops the progress lines. No -nostdin: stop writes `q`.
    ...['-hide_banner', '-nostats', '-loglevel', 'info'],
    ...inputArgs(backend, settings, devices),
    ...outputArgs(backend, settings),
  ];
}

function inputArgs(backend: CaptureBackend, s: CaptureSettings, devices: AvfoundationDevices | undefined): string[] {
  const fps = String(s.fps);
  switch (backend) {
    case 'x11grab': {
      // ffmpeg-devices §x11grab: input "[hostname]:display_number.screen_number[+x_offset,y_offset]". An
      // empty display name makes xcb_connect use ffmpeg's own DISPLAY, i.e. the recorder's environment.
      const r = s.region;
      const size = r === undefined ? [] : ['-video_size', `${r.width}x${r.height}`];
      const input = `${s.display ?? ''}${r === undefined ? '' : `+${r.x},${r.y}`}`;
      return ['-f', 'x11grab', '-framerate', fps, '-draw_mouse', '1', ...size, '-i', input];
    }
    case 'avfoundation': {
      // ffmpeg-devices §avfoundation: "-i VIDEO:AUDIO" by index; screens follow the cameras, so the index
      // is looked up by name in this machine's list. "none" records no audio.
      const index = screenIndex(s.display ?? 'Capture screen 0', devices);
      return [
        '-f',
        'avfoundation',
        '-framerate',
        fps,
        '-capture_cursor',
        '1',
        '-pixel_format',
        'nv12',
        '-i',
        `${index}:none`,
      ];
    }
    case 'ddagrab':
      // A lavfi source (ffmpeg-filters §ddagrab, DXGI Desktop Duplication, Windows 8+): the graph is built
      // in -filter_complex by outputArgs, so there is no -i.
      return [];
    case 'gdigrab': {
      // ffmpeg-devices §gdigrab: "desktop" is the whole virtual screen; a region is offset_x/offset_y/video_size.
      const r = s.region;
      const region =
        r === undefined
          ? []
          : ['-offset_x', String(r.x), '-offset_y', String(r.y), '-video_size', `${r.width}x${r.height}`];
      return ['-f', 'gdigrab', '-framerate', fps, '-draw_mouse', '1', ...region, '-i', 'desktop'];
    }
    default:
      return assertNever(backend, 'capture backend');
  }
}

function outputArgs(backend: CaptureBackend, s: CaptureSettings): string[] {
  const chain = [...sourceFilters(backend, s), ...commonFilters(s)].join(',');
  const graph = backend === 'ddagrab' ? ['-filter_complex', chain] : ['-vf', chain];
  return [
    ...graph,
    '-an',
    // Variable frame rate: frames mpdecimate dropped stay dropped instead of being duplicated back.
    ...['-fps_mode', 'vfr'],
    ...['-c:v', 'libx264', '-preset', 'fast', '-tune', 'zerolatency', '-crf', CRF, '-pix_fmt', 'yuv420p'],
    // qcomp=1: rate control stops lowering the quantizer for low-complexity frames. Without it a still
    // screen under zerolatency (no lookahead, no mbtree) re-encodes the same picture ever finer: P frames
    // of 10-20 KB each instead of ~100 bytes on a 1080p screen of text.
    ...['-x264-params', 'qcomp=1'],
    // A forced I frame becomes an IDR, so every window starts with a picture decodable on its own.
    ...['-forced-idr', '1', '-force_key_frames', keyframeExpression(s.windowMs, s.phaseMs)],
    ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'],
    'pipe:1',
  ];
}

function sourceFilters(backend: CaptureBackend, s: CaptureSettings): string[] {
  const crop = s.region === undefined ? [] : [`crop=${s.region.width}:${s.region.height}:${s.region.x}:${s.region.y}`];
  switch (backend) {
    case 'x11grab':
    case 'gdigrab':
      return []; // the device grabs the region itself
    case 'avfoundation':
      return crop;
    case 'ddagrab': {
      const output = s.display === undefined || s.display === '' ? '0' : s.display;
      if (!/^\d+$/.test(output))
        throw new AevError('E_CONFIG', `ddagrab needs a numeric output index, not "${output}"`);
      const region =
        s.region === undefined
          ? ''
          : `:offset_x=${s.region.x}:offset_y=${s.region.y}:video_size=${s.region.width}x${s.region.height}`;
      // Frames live on the GPU (D3D11); hwdownload + format=bgra bring them to system memory for libx264.
      return [`ddagrab=output_idx=${output}:framerate=${s.fps}:draw_mouse=1${region}`, 'hwdownload', 'format=bgra'];
    }
    default:
      return assertNever(backend, 'capture backend');
  }
}

/**
 * Scale so the long side is at most maxLongSide, keeping the aspect ratio and even sizes (4:2:0 needs
 * them; `-2` asks scale for the even value that keeps the aspect). Then drop near-duplicate frames:
 * mpdecimate's `max` caps consecutive drops so about one frame per second survives even on a still screen.
 */
function commonFilters(s: CaptureSettings): string[] {
  const L = s.maxLongSide;
  const w = `if(gte(iw\\,ih)\\,trunc(min(iw\\,${L})/2)*2\\,-2)`;
  const h = `if(gte(iw\\,ih)\\,-2\\,trunc(min(ih\\,${L})/2)*2)`;
  const keepEvery = Math.round(s.fps) - 1;
  // setsar=1: scale would otherwise correct its rounding with a non-square pixel aspect, and players
  // (and tkhd) would then show a width one pixel off the coded one.
  return [
    `scale=w=${w}:h=${h}`,
    'setsar=1',
    'format=yuv420p',
    ...(keepEvery >= 1 ? [`mpdecimate=max=${keepEvery}`] : []),
  ];
}

/**
 * ffmpeg `-force_key_frames expr:`: force a key frame on the first frame and on the first frame of every
 * window after that. Windows are numbered from the first boundary at `phase` seconds; comparing window
 * numbers (rather than counting forced frames) keeps boundaries on the engine's grid even when frames
 * were dropped across a whole window.
 */
export function keyframeExpression(windowMs: number, phaseMs: number): string {
  const window = windowMs / 1000;
  const phase = (((phaseMs % windowMs) + windowMs) % windowMs) / 1000;
  const index = (t: string): string => `floor((${t}-${phase})/${window})`;
  return `expr:if(isnan(prev_forced_t),1,gt(${index('t')},${index('prev_forced_t')}))`;
}

function screenIndex(name: string, devices: AvfoundationDevices | undefined): number {
  if (devices === undefined)
    throw new AevError(
      'E_CONFIG',
      'avfoundation needs the device list (ffmpeg -f avfoundation -list_devices true -i "")',
    );
  const screen = devices.video.find((d) => d.name === name);
  if (screen !== undefined) return screen.index;
  const screens = avfoundationScreens(devices).map((d) => `"${d.name}"`);
  throw new AevError(
    'E_CAPTURE_UNAVAILABLE',
    screens.length === 0
      ? `avfoundation lists no "Capture screen" device: grant Screen Recording permission to the app running ffmpeg`
      : `avfoundation has no screen named "${name}" (it has ${screens.join(', ')})`,
  );
}

function checkSettings(s: CaptureSettings): void {
  const bad = (what: string): never => {
    throw new AevError('E_CONFIG', `invalid capture setting: ${what}`);
  };
  if (!Number.isFinite(s.fps) || s.fps <= 0 || s.fps > 60) bad(`fps ${s.fps} (1..60)`);
  if (!Number.isInteger(s.maxLongSide) || s.maxLongSide < 16) bad(`maxLongSide ${s.maxLongSide}`);
  if (!Number.isFinite(s.windowMs) || s.windowMs < 100) bad(`windowMs ${s.windowMs}`);
  if (!Number.isFinite(s.phaseMs)) bad(`phaseMs ${s.phaseMs}`);
  const r = s.region;
  if (r !== undefined) {
    const ints = [r.x, r.y, r.width, r.height].every((v) => Number.isInteger(v));
    if (!ints || r.x < 0 || r.y < 0 || r.width < 2 || r.height < 2) bad(`region ${JSON.stringify(r)}`);
  }
}
