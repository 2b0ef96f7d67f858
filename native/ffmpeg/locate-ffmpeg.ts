import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';

export type FfmpegSource = 'AEV_FFMPEG' | 'ffmpeg-static' | 'PATH';

export interface FfmpegProbe {
  readonly path: string;
  readonly source: FfmpegSource;
  readonly version: string;
  /** Input devices this build has (x11grab, avfoundation, gdigrab, lavfi...). */
  readonly inputDevices: readonly string[];
}

/** The screen-capture input device each OS needs (DESIGN.md §4). */
export function captureDevicesFor(platform: NodeJS.Platform): readonly string[] {
  switch (platform) {
    case 'darwin':
      return ['avfoundation'];
    case 'win32':
      return ['gdigrab'];
    default:
      return ['x11grab'];
  }
}

/**
 * Finds an ffmpeg that can capture this screen: AEV_FFMPEG, else ffmpeg-static's binary when it is
 * installed AND has the needed device (its Linux build has no x11grab), else `ffmpeg` on PATH.
 * Returns every candidate probed, best first, so callers can say precisely what is missing.
 */
export async function probeFfmpegCandidates(
  env: Readonly<Record<string, string | undefined>>,
  platform = process.platform,
): Promise<FfmpegProbe[]> {
  const candidates: { path: string; source: FfmpegSource }[] = [];
  if (env.AEV_FFMPEG !== undefined && env.AEV_FFMPEG !== '')
    candidates.push({ path: env.AEV_FFMPEG, source: 'AEV_FFMPEG' });
  const staticPath = ffmpegStaticPath();
  if (staticPath !== null) candidates.push({ path: staticPath, source: 'ffmpeg-static' });
  candidates.push({ path: platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg', source: 'PATH' });
  const probes: FfmpegProbe[] = [];
  for (const c of candidates) {
    const probe = await probeOne(c.path, c.source);
    if (probe !== null) probes.push(probe);
  }
  const needed = captureDevicesFor(platform);
  return probes.sort((a, b) => Number(hasAll(b, needed)) - Number(hasAll(a, needed)));
}

function hasAll(p: FfmpegProbe, devices: readonly string[]): boolean {
  return devices.every((d) => p.inputDevices.includes(d));
}

function ffmpegStaticPath(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const p = require('ffmpeg-static') as unknown;
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

async function probeOne(path: string, source: FfmpegSource): Promise<FfmpegProbe | null> {
  const version = await run(path, ['-hide_banner', '-version']);
  if (version === null) return null;
  const devices = (await run(path, ['-hide_banner', '-devices'])) ?? '';
  return {
    path,
    source,
    version: /ffmpeg version (\S+)/.exec(version)?.[1] ?? 'unknown',
    inputDevices: parseInputDevices(devices),
  };
}

/** `ffmpeg -devices` lines look like ` D  x11grab         X11 screen capture` (D = demuxing/input). */
export function parseInputDevices(output: string): string[] {
  const devices: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s([D ])([E ])\s+(\S+)\s/.exec(line);
    if (m?.[1] === 'D' && m[3] !== undefined) devices.push(...m[3].split(','));
  }
  return devices;
}

function run(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5000 }, (error, stdout) => {
      resolve(error === null ? stdout : null);
    });
  });
}
