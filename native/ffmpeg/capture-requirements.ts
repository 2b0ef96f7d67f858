import type { CaptureBackend } from './capture-args.ts';
import { avfoundationScreens } from './device-list.ts';
import type { AvfoundationDevices } from './device-list.ts';

/** What one ffmpeg build says about itself (parsed -devices, -filters, -encoders). */
export interface FfmpegAbilities {
  readonly inputDevices: readonly string[];
  readonly filters: readonly string[];
  readonly encoders: readonly string[];
  /** macOS only: the parsed `-f avfoundation -list_devices true` output. */
  readonly avfoundation?: AvfoundationDevices;
}

export type BackendChoice =
  { readonly ok: true; readonly backend: CaptureBackend } | { readonly ok: false; readonly missing: readonly string[] };

/**
 * Which backend this ffmpeg build can record with on `platform`, or every piece it lacks. Pure, so the
 * decision for Windows and macOS is tested on Linux against those systems' real listings.
 */
export function chooseBackend(platform: NodeJS.Platform, a: FfmpegAbilities): BackendChoice {
  const missing: string[] = [];
  if (!a.encoders.includes('libx264')) missing.push('the libx264 encoder');
  for (const f of ['scale', 'mpdecimate']) if (!a.filters.includes(f)) missing.push(`the ${f} filter`);
  let backend: CaptureBackend | null = null;
  switch (platform) {
    case 'win32':
      // ddagrab (DXGI Desktop Duplication, ffmpeg ≥ 6.0) is cheaper and sees hardware-accelerated windows
      // that GDI cannot; it hands frames over on the GPU, so hwdownload must be there too.
      if (a.filters.includes('ddagrab') && a.filters.includes('hwdownload')) backend = 'ddagrab';
      else if (a.inputDevices.includes('gdigrab')) backend = 'gdigrab';
      else missing.push('a screen grabber (the ddagrab filter or the gdigrab input device)');
      break;
    case 'darwin':
      if (!a.inputDevices.includes('avfoundation')) missing.push('the avfoundation input device');
      else if (a.avfoundation !== undefined && avfoundationScreens(a.avfoundation).length === 0)
        missing.push(
          'a "Capture screen" avfoundation device (grant Screen Recording permission to the app running ffmpeg)',
        );
      else backend = 'avfoundation';
      break;
    default:
      if (a.inputDevices.includes('x11grab')) backend = 'x11grab';
      else missing.push('the x11grab input device');
  }
  return missing.length === 0 && backend !== null ? { ok: true, backend } : { ok: false, missing };
}

/** What to install, per OS, when no ffmpeg found can record. */
export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'brew install ffmpeg, or set AEV_FFMPEG to an ffmpeg built with avfoundation and libx264';
    case 'win32':
      return 'winget install Gyan.FFmpeg (ffmpeg 6 or newer has ddagrab), or set AEV_FFMPEG to an ffmpeg.exe with gdigrab or ddagrab and libx264';
    default:
      return 'apt-get install ffmpeg (Debian and Ubuntu builds have x11grab and libx264), or set AEV_FFMPEG to an ffmpeg built with x11grab and libx264';
  }
}

/**
 * The display the Linux backend needs: x11grab reads an X server named by DISPLAY. A Wayland-only session
 * has none; XWayland (when present) sets DISPLAY but shows x11grab only X clients' windows.
 */
export function displayProblem(
  platform: NodeJS.Platform,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (platform === 'win32' || platform === 'darwin') return null;
  if (env.DISPLAY !== undefined && env.DISPLAY !== '') return null;
  if (env.WAYLAND_DISPLAY !== undefined && env.WAYLAND_DISPLAY !== '')
    return 'this is a Wayland session without an X display (DISPLAY is not set): the ffmpeg backend records X11 only; use the desktop app, whose Chromium backend records Wayland through the screen-cast portal, or enable XWayland';
  return 'no X display: DISPLAY is not set (start the daemon inside the desktop session, or export DISPLAY=:0)';
}
