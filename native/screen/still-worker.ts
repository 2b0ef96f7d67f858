// The still worker: a child process of its own, because nut-js can end the process it runs in (libnut's
// X error handler exits on BadWindow, for instance when no window manager has given any window the focus,
// and it segfaults when no display can be opened). Run as `node still-worker.ts` (type stripping) or from
// dist/ as .js; it writes frames (still-frames.ts) to stdout and nothing else, and never touches the disk.
import { encodePng } from './png-encoder.ts';
import type { RawImage } from './png-encoder.ts';
import { encodeFrame } from './still-frames.ts';
import type { WorkerMessage } from './still-frames.ts';

interface NutImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly channels: number;
  readonly byteWidth: number;
  /** nut-js ColorMode: 0 BGR, 1 RGB. */
  readonly colorMode: number;
}

interface NutModule {
  readonly screen: { grab(): Promise<unknown> };
  getActiveWindow(): Promise<{ readonly title: Promise<string> }>;
}

// Optional dependency, named through a variable so the build does not need it installed.
const NUT_JS = '@nut-tree-fork/nut-js';
const MAX_TITLE_CHARS = 4096;

// stdout carries frames only: anything a library logs goes to stderr, where the parent keeps a short tail.
const toStderr = (...parts: unknown[]): void => {
  process.stderr.write(`${parts.map(String).join(' ')}\n`);
};
Object.assign(console, { log: toStderr, info: toStderr, debug: toStderr });

function send(message: WorkerMessage): Promise<void> {
  // Resolves once the frame is handed to the pipe, so a crash on the next step cannot lose it.
  return new Promise((resolve, reject) => {
    process.stdout.write(encodeFrame(message), (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

async function loadNut(): Promise<NutModule | null> {
  try {
    const mod: unknown = await import(NUT_JS);
    return isNutModule(mod) ? mod : null;
  } catch {
    return null;
  }
}

function isNutModule(mod: unknown): mod is NutModule {
  if (typeof mod !== 'object' || mod === null) return false;
  const { screen, getActiveWindow } = mod as Partial<Record<keyof NutModule, unknown>>;
  return (
    typeof getActiveWindow === 'function' &&
    typeof screen === 'object' &&
    screen !== null &&
    typeof (screen as { grab?: unknown }).grab === 'function'
  );
}

function toRawImage(value: unknown): RawImage | null {
  if (typeof value !== 'object' || value === null) return null;
  const image = value as Partial<NutImage>;
  const { width, height, data, channels, byteWidth, colorMode } = image;
  if (typeof width !== 'number' || typeof height !== 'number' || typeof byteWidth !== 'number') return null;
  if (!(data instanceof Uint8Array) || (channels !== 3 && channels !== 4)) return null;
  return { width, height, data, channels, bytesPerRow: byteWidth, order: colorMode === 1 ? 'rgb' : 'bgr' };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  const nut = await loadNut();
  if (nut === null) {
    await send({ kind: 'unavailable', message: `${NUT_JS} is not installed or did not load` });
    return;
  }
  let raw: RawImage | null;
  try {
    raw = toRawImage(await nut.screen.grab());
  } catch (error) {
    await send({ kind: 'unavailable', message: `screen.grab failed: ${describe(error)}` });
    return;
  }
  if (raw === null) {
    await send({ kind: 'unavailable', message: 'screen.grab returned an image of an unknown shape' });
    return;
  }
  await send({ kind: 'still', width: raw.width, height: raw.height, png: encodePng(raw) });
  // The title is a separate, lesser step: if it throws, the still stands with a null title; if it aborts
  // the process, the still frame is already out and the parent reads the same.
  let title: string | null = null;
  try {
    const window = await nut.getActiveWindow();
    title = (await window.title).slice(0, MAX_TITLE_CHARS);
  } catch {
    title = null;
  }
  await send({ kind: 'title', title });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    toStderr(`still worker failed: ${describe(error)}`);
    process.exit(1);
  },
);
