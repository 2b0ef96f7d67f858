import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';

export type FfmpegSource = 'AEV_FFMPEG' | 'ffmpeg-static' | 'PATH';

export interface FfmpegCandidate {
  readonly path: string;
  readonly source: FfmpegSource;
}

/**
 * Where to look for ffmpeg, in order (DESIGN.md §4): AEV_FFMPEG, ffmpeg-static's binary when that optional
 * dependency is installed, then `ffmpeg` on PATH.
 */
export function ffmpegCandidates(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): FfmpegCandidate[] {
  const candidates: FfmpegCandidate[] = [];
  if (env.AEV_FFMPEG !== undefined && env.AEV_FFMPEG !== '')
    candidates.push({ path: env.AEV_FFMPEG, source: 'AEV_FFMPEG' });
  const staticPath = ffmpegStaticPath();
  if (staticPath !== null) candidates.push({ path: staticPath, source: 'ffmpeg-static' });
  candidates.push({ path: platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg', source: 'PATH' });
  return candidates;
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

export function parseVersion(versionOutput: string): string {
  return /ffmpeg version (\S+)/.exec(versionOutput)?.[1] ?? 'unknown';
}

export type FfmpegRun =
  | { readonly ran: true; readonly code: number | null; readonly stdout: string; readonly stderr: string }
  | { readonly ran: false; readonly reason: string };

/**
 * Runs ffmpeg once and collects both streams whatever the exit code: `-list_devices` always "fails"
 * (it exits 1 after printing the list to stderr).
 */
export function runFfmpeg(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<FfmpegRun> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const spawnOptions = {
    timeout: timeoutMs,
    maxBuffer: 8 * 1024 * 1024,
    windowsHide: true,
    env: options.env ?? process.env,
  };
  return new Promise((resolve) => {
    execFile(file, args, spawnOptions, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
      if (e?.code === 'ENOENT' || e?.code === 'EACCES') {
        resolve({ ran: false, reason: e.code === 'ENOENT' ? 'not found' : 'not executable' });
        return;
      }
      if (e?.killed === true) {
        resolve({ ran: false, reason: `did not answer within ${timeoutMs} ms` });
        return;
      }
      const code = e === null ? 0 : typeof e.code === 'number' ? e.code : null;
      resolve({ ran: true, code, stdout, stderr });
    });
  });
}
