import { ChromiumCapture } from '../../../../electron/engine/capture/chromium-capture.ts';
import type { PagePart } from '../../../../electron/engine/capture/chromium-protocol.ts';
import type {
  CaptureExit,
  CaptureFragment,
  CaptureInit,
  CaptureRun,
} from '../../../../electron/engine/capture/screen-source.ts';
import type { Clock } from '../../../../electron/engine/runtime/clock.ts';
import { silentLogger } from '../../../../electron/engine/runtime/logger.ts';
import { Fmp4Splitter } from '../../../../native/ffmpeg/fmp4-splitter.ts';
import { ffmpegFmp4, topBoxes } from '../../native/ffmpeg/mp4-test-boxes.ts';

export const T0 = Date.parse('2026-11-22T10:00:00.000Z');
export const WINDOW_MS = 2000;

/** A clock the test moves. */
export function testClock(startMs = T0): Clock & { set(ms: number): void } {
  let now = startMs;
  return { now: () => now, monoUs: () => now * 1000, set: (ms) => (now = ms) };
}

/** What a capture page sends for one run: the init segment, then each moof + mdat, as ffmpeg wrote them. */
export interface PageStream {
  readonly init: Buffer;
  readonly fragments: readonly { readonly bytes: Buffer; readonly startMs: number; readonly endMs: number }[];
}

let encoded: Buffer | null = null;

/**
 * A real fragmented MP4 (ffmpeg, 3 s at 10 fps, 0.5 s fragments) cut into the messages a page sends;
 * times are the ones the engine must compute: the init's wall clock plus each fragment's tfdt.
 */
export function pageStream(anchorMs: number): PageStream {
  encoded ??= ffmpegFmp4();
  const bytes = encoded;
  const boxes = topBoxes(bytes);
  const firstMoof = boxes.findIndex((b) => b.type === 'moof');
  const init = bytes.subarray(0, boxes[firstMoof]?.start ?? 0);
  const splitter = new Fmp4Splitter();
  let timescale = 0;
  const fragments = [];
  for (const part of splitter.push(bytes)) {
    if (part.kind === 'init') timescale = part.init.timescale;
    else {
      const f = part.fragment;
      fragments.push({
        bytes: f.bytes,
        startMs: anchorMs + (f.decodeTime / timescale) * 1000,
        endMs: anchorMs + ((f.decodeTime + f.duration) / timescale) * 1000,
      });
    }
  }
  return { init: Buffer.from(init), fragments };
}

export interface SinkLog {
  readonly inits: CaptureInit[];
  readonly fragments: CaptureFragment[];
  readonly exits: CaptureExit[];
}

/** A hub with a test clock, started like ScreenCapture starts it, and what its sink received. */
export async function startedHub(options: { stallMs?: number; maxPartBytes?: number } = {}): Promise<{
  hub: ChromiumCapture;
  clock: ReturnType<typeof testClock>;
  run: CaptureRun;
  runId: string;
  log: SinkLog;
}> {
  const clock = testClock();
  const hub = new ChromiumCapture({
    clock,
    logger: silentLogger,
    // A grid with boundaries on whole windows since T0.
    boundaryAtOrAfter: (ms) => T0 + Math.ceil((ms - T0) / WINDOW_MS) * WINDOW_MS,
    ...options,
  });
  const source = await hub.source({ fps: 5, maxLongSide: 1920, windowMs: WINDOW_MS, env: process.env });
  const log: SinkLog = { inits: [], fragments: [], exits: [] };
  const run = source.start(0, {
    onInit: (init) => log.inits.push(init),
    onFragment: (f) => log.fragments.push(f),
    onExit: (exit) => log.exits.push(exit),
  });
  const runId = hub.control().run?.id ?? '';
  return { hub, clock, run, runId, log };
}

export function part(runId: string, kind: PagePart['kind'], wallMs: number, bytes: Uint8Array, pageId = 'page-1') {
  return { runId, pageId, kind, wallMs, bytes };
}
