/**
 * Parsers for the lists ffmpeg prints about itself and about the capture devices it sees. Each one reads
 * the tool's own text, so each is tested against real output kept under test/fixtures/ffmpeg/.
 */

export interface AvfoundationDevice {
  readonly index: number;
  readonly name: string;
}

export interface AvfoundationDevices {
  readonly video: readonly AvfoundationDevice[];
  readonly audio: readonly AvfoundationDevice[];
}

/** An optional `[AVFoundation indev @ 0x7f…] ` (older builds: `input device`) logging prefix. */
const LOG_PREFIX = /^\[[^\]]*@ ?[0-9a-fA-Fx]+\]\s*/;

/**
 * `ffmpeg -f avfoundation -list_devices true -i ""` (stderr): a "video devices:" heading, lines
 * `[N] name`, then an "audio devices:" heading. Screens appear among the video devices as
 * "Capture screen N", after the cameras, so their index differs from machine to machine.
 */
export function parseAvfoundationDevices(stderr: string): AvfoundationDevices {
  const video: AvfoundationDevice[] = [];
  const audio: AvfoundationDevice[] = [];
  let section: AvfoundationDevice[] | null = null;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.replace(LOG_PREFIX, '').trim();
    if (/^AVFoundation video devices:$/.test(line)) section = video;
    else if (/^AVFoundation audio devices:$/.test(line)) section = audio;
    else {
      const m = /^\[(\d+)\]\s+(.+)$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined && section !== null)
        section.push({ index: Number(m[1]), name: m[2].trim() });
      else if (!LOG_PREFIX.test(raw) && line !== '') section = null; // "[in#0 …] Error opening input…" etc.
    }
  }
  return { video, audio };
}

/** The screens among the avfoundation video devices ("Capture screen 0", "Capture screen 1", …). */
export function avfoundationScreens(devices: AvfoundationDevices): AvfoundationDevice[] {
  return devices.video.filter((d) => /^Capture screen \d+$/.test(d.name));
}

/**
 * Input devices from `ffmpeg -devices` (` D  x11grab  X11 screen capture`, flags D = demuxing, E = muxing)
 * or from `ffmpeg -formats` of ffmpeg ≥ 7, which adds a third flag column `d` for "is a device"
 * (` D d gdigrab  GDI API Windows frame grabber`); there only `d` rows count.
 */
export function parseInputDevices(output: string): string[] {
  const lines = output.split(/\r?\n/);
  const formatsLayout = lines.some((l) => /^\s*\.\.d = Is a device/.test(l));
  const devices: string[] = [];
  for (const line of lines) {
    const m = formatsLayout ? /^ ([D ])([E ])([d ]) (\S+)/.exec(line) : /^ ([D ])([E ]) (\S+)/.exec(line);
    if (m === null || m[1] !== 'D') continue;
    if (formatsLayout && m[3] !== 'd') continue;
    const names = m[formatsLayout ? 4 : 3];
    if (names !== undefined) devices.push(...names.split(','));
  }
  return devices;
}

/**
 * Filter names from `ffmpeg -filters`: ` T.C crop  V->V  Crop the input video.` — two or three flag
 * columns (timeline, slice threading, and, before ffmpeg 8, command support), the name, then the pad
 * shape (`|->V` for sources such as ddagrab). The legend lines start with two spaces and are skipped.
 */
export function parseFilters(output: string): string[] {
  const filters: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^ [A-Z.]{2,3} (\S+)\s+[AVN|]+->[AVN|]+(\s|$)/.exec(line);
    if (m?.[1] !== undefined) filters.push(m[1]);
  }
  return filters;
}

/** Encoder names from `ffmpeg -encoders`: ` V....D libx264  libx264 H.264 / AVC …`; legend rows name "=". */
export function parseEncoders(output: string): string[] {
  const encoders: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^ [VAS][A-Z.]{5} (\S+)/.exec(line);
    if (m?.[1] !== undefined && m[1] !== '=') encoders.push(m[1]);
  }
  return encoders;
}
