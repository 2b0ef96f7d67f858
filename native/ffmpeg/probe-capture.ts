import { AevError } from '../../electron/common/errors.ts';
import type { CaptureBackend } from './capture-args.ts';
import { chooseBackend, displayProblem, installHint } from './capture-requirements.ts';
import { parseAvfoundationDevices, parseEncoders, parseFilters, parseInputDevices } from './device-list.ts';
import type { AvfoundationDevices } from './device-list.ts';
import { ffmpegCandidates, parseVersion, runFfmpeg } from './locate-ffmpeg.ts';
import type { FfmpegCandidate, FfmpegSource } from './locate-ffmpeg.ts';

export interface ResolvedCapture {
  readonly ffmpeg: string;
  readonly source: FfmpegSource;
  readonly version: string;
  readonly backend: CaptureBackend;
  /** macOS: the device list the avfoundation arguments resolve the screen from. */
  readonly avfoundation?: AvfoundationDevices;
}

/**
 * Picks the ffmpeg and backend that can record this screen (DESIGN.md §4): AEV_FFMPEG when set (an
 * explicit choice is never silently replaced), else ffmpeg-static when installed and able, else ffmpeg
 * on PATH. Throws E_CAPTURE_UNAVAILABLE naming what each candidate lacks and what to install.
 */
export async function resolveCapture(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): Promise<ResolvedCapture> {
  const all = ffmpegCandidates(env, platform);
  const candidates = all[0]?.source === 'AEV_FFMPEG' ? all.slice(0, 1) : all;
  const reasons: string[] = [];
  const display = displayProblem(platform, env);
  for (const candidate of candidates) {
    const result = await probeCandidate(candidate, platform, env);
    if (typeof result === 'string') {
      reasons.push(`${label(candidate)}: ${result}`);
      continue;
    }
    if (display !== null) throw new AevError('E_CAPTURE_UNAVAILABLE', `cannot record the screen: ${display}`);
    return result;
  }
  const problems = display === null ? reasons : [display, ...reasons];
  throw new AevError(
    'E_CAPTURE_UNAVAILABLE',
    `no ffmpeg here can record the screen — ${problems.join('; ')}. Fix: ${installHint(platform)}`,
    { candidates: candidates.map(label) },
  );
}

/** The capture this candidate offers, or why it cannot. */
async function probeCandidate(
  c: FfmpegCandidate,
  platform: NodeJS.Platform,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ResolvedCapture | string> {
  // The env given is the one ffmpeg will record in: its PATH finds `ffmpeg`.
  const run = (args: string[]): ReturnType<typeof runFfmpeg> => runFfmpeg(c.path, ['-hide_banner', ...args], { env });
  const version = await run(['-version']);
  if (!version.ran) return version.reason;
  if (version.code !== 0) return `\`-version\` exited with ${String(version.code)}`;
  const [devices, filters, encoders] = await Promise.all(
    ['-devices', '-filters', '-encoders'].map((what) => run([what])),
  );
  const text = (r: typeof devices): string => (r?.ran === true ? r.stdout : '');
  const inputDevices = parseInputDevices(text(devices));
  let avfoundation: AvfoundationDevices | undefined;
  if (platform === 'darwin' && inputDevices.includes('avfoundation')) {
    // -list_devices prints to stderr and exits non-zero by design.
    const list = await run(['-f', 'avfoundation', '-list_devices', 'true', '-i', '']);
    avfoundation = parseAvfoundationDevices(list.ran ? list.stderr : '');
  }
  const choice = chooseBackend(platform, {
    inputDevices,
    filters: parseFilters(text(filters)),
    encoders: parseEncoders(text(encoders)),
    ...(avfoundation === undefined ? {} : { avfoundation }),
  });
  if (!choice.ok) return `lacks ${choice.missing.join(', ')}`;
  return {
    ffmpeg: c.path,
    source: c.source,
    version: parseVersion(version.stdout),
    backend: choice.backend,
    ...(avfoundation === undefined ? {} : { avfoundation }),
  };
}

function label(c: FfmpegCandidate): string {
  return c.source === 'PATH' ? `${c.path} on PATH` : `${c.source} (${c.path})`;
}
