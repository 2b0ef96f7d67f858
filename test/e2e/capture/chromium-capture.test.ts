import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPins } from '../../../electron/common/model/event.ts';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import type { EndpointClient } from '../../../electron/engine/client/endpoint-client.ts';
import type { CaptureControl } from '../../../electron/engine/capture/chromium-protocol.ts';
import { capturePageInfoPath } from '../../../electron/engine/capture/chromium-page-server.ts';
import type { CapturePageInfo } from '../../../electron/engine/capture/chromium-page-server.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { hookPayload, RawClient, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { hasProgram, startXvfb } from '../../integration/screen/x-server.ts';
import type { Xvfb } from '../../integration/screen/x-server.ts';
import {
  boundariesWithin,
  CHROMIUM_ARGS,
  colourAt,
  fragmentRows,
  IDLE_SCREEN_SCRIPT,
  keyframeTimes,
} from './capture-e2e.ts';
import type { FragmentRow } from './capture-e2e.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const WINDOW_MS = 2000;
const FPS = 5;
/** The fake screen is 1920x1080; the cap makes Chromium's capturer scale it. */
const MAX_LONG_SIDE = 1280;
/** The first frame at or after a boundary: the page's timer fires on it, plus scheduling and encoding. */
const KEYFRAME_LATE_MS = 400;

const canRun =
  fs.existsSync(CHROMIUM) &&
  hasProgram('Xvfb') &&
  hasProgram('ffmpeg') &&
  hasProgram('ffprobe') &&
  hasProgram('openssl');

interface Recorded {
  readonly recording: string;
  readonly agentSession: string;
  readonly grid: { readonly boundaryMs: number; readonly windowMs: number };
  /** The PreToolUse events' seqs, with the colour painted just before each (idle-screen run). */
  readonly painted: readonly { readonly seq: number; readonly rgb: readonly [number, number, number] }[];
}

/**
 * The Chromium backend end to end (DESIGN.md §4, issue 6): the engine, Debian's Chromium on Xvfb opening
 * the built capture page from the engine's loopback server, and agent sessions. The screen is Chromium's
 * fake capture device (--use-fake-device-for-media-stream: a synthetic picture that changes every frame,
 * not X11 pixels, DESIGN.md §7; real pixels are the ffmpeg backend's test), then a canvas the test paints
 * (an idle screen: frames only when it changes). Real: getDisplayMedia, MediaStreamTrackProcessor,
 * WebCodecs, mediabunny, the page's transport, the engine's splitter, sealing, verification, decoding.
 */
describe.skipIf(!canRun)('Chromium capture backend (real Chromium on Xvfb, real engine)', () => {
  let build: ReturnType<typeof makeTempDir> | undefined;
  let x: Xvfb | undefined;
  let tsa: OpensslTsa | undefined;
  let t: TestEngine | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let control: EndpointClient | undefined;
  let info: CapturePageInfo;
  let busy: Recorded;
  /** What the engine warned about (a failed run, a stop the page never confirmed). */
  const warnings: string[] = [];
  const logger = {
    info: () => undefined,
    warn: (message: string, fields?: Readonly<Record<string, unknown>>) => {
      warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
    },
    error: (message: string, fields?: Readonly<Record<string, unknown>>) => {
      warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
    },
  };

  const engine = (): TestEngine => {
    if (t === undefined) throw new Error('the engine did not start');
    return t;
  };
  const status = async (): Promise<EngineStatus> => (await control!.request('status', {}, 5000)) as EngineStatus;
  const pageState = (p: Page) => (): Promise<string | null> => p.locator('#status').getAttribute('data-state');
  const rows = (recording: string): FragmentRow[] => {
    const db = openIndexFile(engine().dataRoot, true);
    try {
      return fragmentRows(db, recording);
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    // The capture page alone, from the current sources, into a folder of its own (a shared dist/renderer
    // may be mid-build, and the app's pages are not this test's business).
    build = makeTempDir('aev-capture-page-');
    const script = path.join(ROOT, 'renderer/build/build-renderer.ts');
    const built = spawnSync(process.execPath, [script, build.dir, 'capture'], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`vite build failed: ${built.stderr}`);
    x = await startXvfb(1280, 720);
    const display = x.display;
    tsa = await startOpensslTsa();
    t = await startTestEngine({
      logger,
      windowMs: WINDOW_MS,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
      screen: {
        fps: FPS,
        maxLongSide: MAX_LONG_SIDE,
        graceMs: 1500,
        // Stills from the Chromium video, not grabbed from Xvfb (which is not what Chromium records).
        stills: 'video',
        env: { ...process.env, DISPLAY: display },
      },
      capture: { backend: 'chromium', httpPort: 0, pageDir: build.dir },
    });
    control = await testClient(t.info.socketPath, 'control');
    info = JSON.parse(fs.readFileSync(capturePageInfoPath(t.engine.paths.runtimeDir), 'utf8')) as CapturePageInfo;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: false,
      env: { ...process.env, DISPLAY: display },
      args: [...CHROMIUM_ARGS],
    });
    page = await browser.newPage();
    await page.goto(info.url);
    await waitFor(pageState(page), 'idle', 10_000, 'the capture page to connect');
    busy = await recordAgentSession('busy', page, 3, () => Promise.resolve(undefined));
  }, 180_000);

  afterAll(async () => {
    try {
      control?.close();
      await browser?.close();
    } finally {
      await t?.dispose();
      await x?.stop();
      await tsa?.close();
      build?.cleanup();
    }
  });

  /**
   * One agent session: `calls` tool calls, each after `beforeCall` (which returns the colour it painted,
   * if any), a pause, then its end; resolves once the recording has stopped and its chain is final.
   */
  async function recordAgentSession(
    name: string,
    p: Page,
    calls: number,
    beforeCall: (i: number) => Promise<readonly [number, number, number] | undefined>,
  ): Promise<Recorded> {
    const ingest = await RawClient.hello(engine().info.socketPath);
    let n = 0;
    const send = async (kind: string, extra: Record<string, unknown> = {}) => {
      const id = `${name}-${++n}`;
      ingest.send({ type: 'event', id, event: { agent: 'claude-code', payload: hookPayload(name, kind, extra) } });
      return (await ingest.waitFor((f) => f.id === id)) as { sessionId: string; seq: number };
    };
    const agentSession = (await send('SessionStart')).sessionId;
    await waitFor(async () => (await status()).screen.state, 'recording', 5000, 'the engine to record');
    const recording = (await status()).screen.recordingId ?? '';
    await waitFor(pageState(p), 'recording', 10_000, 'the capture page to record');
    const grid = await runOrderGrid();
    await sleep(1500);
    const painted: { seq: number; rgb: readonly [number, number, number] }[] = [];
    for (let i = 0; i < calls; i++) {
      const rgb = await beforeCall(i);
      const tool = { tool_name: 'Bash', tool_use_id: `${name}-${i}`, tool_input: { command: `echo ${i}` } };
      const pre = await send('PreToolUse', tool);
      if (rgb !== undefined) painted.push({ seq: pre.seq, rgb });
      await sleep(800);
      await send('PostToolUse', { ...tool, tool_response: { stdout: `${i}` } });
      await sleep(1500);
    }
    // The agent's last answer: stills still being decoded from the video join the session first.
    await sleep(3000);
    await send('SessionEnd', { reason: 'exit' });
    ingest.close();
    const db = openIndexFile(engine().dataRoot, true);
    try {
      await until(
        () =>
          db.prepare<[string], { chain_final: number }>('SELECT chain_final FROM sessions WHERE id = ?').get(recording)
            ?.chain_final === 1,
        20_000,
        'the recording to stop and seal',
      );
    } finally {
      db.close();
    }
    return { recording, agentSession, grid, painted };
  }

  /** The run order the page follows, read from the engine's capture API as the page reads it. */
  async function runOrderGrid(): Promise<Recorded['grid']> {
    const res = await fetch(`${new URL(info.url).origin}/v1/capture/control?after=-1`, {
      headers: { authorization: `Bearer ${info.token}` },
    });
    const body = (await res.json()) as CaptureControl;
    if (body.run === null) throw new Error('no run ordered while recording');
    return { boundaryMs: body.run.boundaryMs, windowMs: body.run.windowMs };
  }

  async function readVideo(recording: string): Promise<Buffer> {
    const video = (await control!.request(
      'video.read',
      { recording, from: new Date(Date.now() - 600_000).toISOString(), to: new Date().toISOString() },
      15_000,
    )) as { mp4: string };
    return Buffer.from(video.mp4, 'base64');
  }

  /** Every window boundary inside the recording got a keyframe on its first frame at or after it. */
  async function expectKeyframesOnBoundaries(r: Recorded): Promise<void> {
    const { boundaryMs, windowMs } = r.grid;
    expect(windowMs).toBe(WINDOW_MS);
    const indexed = rows(r.recording);
    const anchor = indexed[0]!.startMs - indexed[0]!.ptsMs;
    const parsed = keyframeTimes(await readVideo(r.recording), anchor);
    expect(parsed.all).toBe(indexed.length);
    const boundaries = boundariesWithin(indexed[0]!.startMs, indexed.at(-1)!.endMs, boundaryMs, windowMs);
    expect(boundaries.length).toBeGreaterThanOrEqual(2);
    for (const b of boundaries) {
      const near = parsed.keyAt.filter((k) => k - b >= -5 && k - b <= KEYFRAME_LATE_MS);
      expect(near.length, `no keyframe within ${KEYFRAME_LATE_MS} ms after ${new Date(b).toISOString()}`).toBe(1);
    }
    // Between boundaries fragments start on ordinary frames: one keyframe per window, plus the first.
    expect(parsed.keyAt.length).toBeLessThanOrEqual(boundaries.length + 2);
  }

  it('records with the page while the agent works: one init, one-second fragments, sealed and verified', async () => {
    const { recording } = busy;
    expect(recording).toMatch(/^rec_/);
    expect((await status()).screen.backend).toBe('chromium');
    const db = openIndexFile(engine().dataRoot, true);
    const count = (sql: string): number => db.prepare<[string], { n: number }>(sql).get(recording)?.n ?? -1;
    const inits = count("SELECT COUNT(*) AS n FROM media WHERE session_id = ? AND kind = 'video-init'");
    const gaps = count("SELECT COUNT(*) AS n FROM chain_records WHERE session_id = ? AND kind = 'gap'");
    db.close();
    expect([inits, gaps]).toEqual([1, 0]);
    const fragments = rows(recording);
    // Video t = 0 is the first frame, and the init's wall clock is that frame's.
    expect(fragments[0]!.ptsMs).toBe(0);
    // About eleven seconds at one fragment a second (a window boundary also starts one).
    expect(fragments.length, JSON.stringify(fragments)).toBeGreaterThanOrEqual(8);
    for (const [i, r] of fragments.entries()) {
      expect(r.endMs).toBeGreaterThan(r.startMs);
      expect(r.endMs - r.startMs, `fragment ${i} lasts ${r.endMs - r.startMs} ms`).toBeLessThanOrEqual(1500);
      // Contiguous: the page holds each frame until the next, so the time line has no holes.
      if (i > 0) expect(Math.abs(r.startMs - fragments[i - 1]!.endMs)).toBeLessThan(5);
    }
    // As `aev verify --all` checks it, with the test TSA's root as the trust anchor: every record signed,
    // chained, its media matching their Merkle root, and time-stamped (the queue may need a moment).
    let report = await verifyDataRoot(engine().dataRoot, tsa!.rootPem);
    for (let i = 0; i < 100 && report.counts.pending > 0; i++) {
      await sleep(100);
      report = await verifyDataRoot(engine().dataRoot, tsa!.rootPem);
    }
    const notPassed = report.items.filter((i) => i.status !== 'pass');
    expect(notPassed, JSON.stringify(notPassed)).toEqual([]);
    const media = report.items.filter((i) => i.item.startsWith(`session ${recording} record`));
    expect(media.filter((i) => i.item.endsWith(' media')).length).toBeGreaterThan(2);
  });

  it('puts a keyframe on the first frame at or after every window boundary', async () => {
    await expectKeyframesOnBoundaries(busy);
  });

  it('hands back video that ffprobe reads and ffmpeg decodes frame by frame', async () => {
    const probe = spawnSync(
      'ffprobe',
      [
        ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
        ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', '-i', 'pipe:0'],
      ],
      { input: await readVideo(busy.recording), maxBuffer: 16 * 1024 * 1024 },
    );
    expect(probe.status, probe.stderr.toString()).toBe(0);
    const stream = (
      JSON.parse(probe.stdout.toString()) as {
        streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[];
      }
    ).streams[0]!;
    expect(['h264', 'vp9']).toContain(stream.codec_name);
    expect(Math.max(stream.width, stream.height)).toBe(MAX_LONG_SIDE);
    // About five frames a second for ~11 s (the fake screen changes every frame).
    expect(Number(stream.nb_read_frames)).toBeGreaterThan(30);
    expect(await page.locator('#status').getAttribute('data-codec')).toMatch(/^(avc1|vp09)\./);
  });

  it('stops after the agent session ends: the page goes idle and no run is ordered', async () => {
    expect((await status()).screen.state).toBe('idle');
    await waitFor(pageState(page), 'idle', 5000, 'the page to go idle');
    const res = await fetch(`${new URL(info.url).origin}/v1/capture/control?after=-1`, {
      headers: { authorization: `Bearer ${info.token}` },
    });
    expect(((await res.json()) as CaptureControl).run).toBeNull();
    const before = rows(busy.recording).length;
    await sleep(1500);
    expect(rows(busy.recording).length).toBe(before);
    // The page confirmed the stop (last fragment, then `ended`) well within the engine's wait, and no
    // run failed on the way.
    expect(warnings.filter((w) => /capture|screen/i.test(w))).toEqual([]);
  });

  it('on an unchanged screen: a frame a second, keyframes on boundaries anyway, each pin shows its moment', async () => {
    // A second page whose "screen" changes only when painted; the first one goes away.
    await page.close();
    const idle = await browser!.newPage();
    await idle.addInitScript(IDLE_SCREEN_SCRIPT);
    await idle.goto(info.url);
    await waitFor(pageState(idle), 'idle', 10_000, 'the second capture page to connect');
    const colours: readonly (readonly [string, readonly [number, number, number]])[] = [
      ['#c00000', [192, 0, 0]],
      ['#00a000', [0, 160, 0]],
      ['#0000c0', [0, 0, 192]],
    ];
    const r = await recordAgentSession('idle', idle, colours.length, async (i) => {
      const [css, rgb] = colours[i]!;
      expect(await idle.evaluate<boolean>(`window.aevPaint(${JSON.stringify(css)})`)).toBe(true);
      await sleep(300);
      return rgb;
    });
    await expectKeyframesOnBoundaries(r);
    const fragments = rows(r.recording);
    // A fragment is cut at the first frame a second or more after it began: with a frame at least once
    // a second, never two seconds long.
    for (const f of fragments) expect(f.endMs - f.startMs).toBeLessThan(2100);
    // Still screen between the paints: repeated frames cost next to nothing.
    const seconds = (fragments.at(-1)!.endMs - fragments[0]!.startMs) / 1000;
    const deltaBytes = fragments.filter((f) => !f.keyframe).reduce((sum, f) => sum + f.bytes, 0);
    expect(deltaBytes / seconds, `${deltaBytes} bytes of delta fragments in ${seconds} s`).toBeLessThan(4096);
    const mp4 = await readVideo(r.recording);
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-'],
      {
        input: mp4,
      },
    );
    const frames = Number(/nb_read_frames=(\d+)/.exec(probe.stdout.toString())?.[1] ?? '0');
    // ~13 s: a frame per second and per boundary, one per paint, not five a second.
    expect(frames).toBeGreaterThanOrEqual(Math.floor(seconds));
    expect(frames).toBeLessThan(seconds * 3);
    const detail = (await control!.request('sessions.show', { id: r.agentSession }, 5000)) as {
      events: { seq: number; pins: EventPins }[];
    };
    for (const p of r.painted) {
      const pin = detail.events.find((e) => e.seq === p.seq)?.pins.video;
      expect(pin?.recording).toBe(r.recording);
      const seen = colourAt(mp4, pin?.offsetMs ?? -1);
      expect(near(seen, p.rgb), `event ${p.seq} saw ${JSON.stringify(seen)}, painted ${JSON.stringify(p.rgb)}`).toBe(
        true,
      );
    }
  }, 90_000);
});

function near(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= 40);
}

/** Polls `read` until it returns `want` (expect.poll works only inside a test, not in beforeAll). */
async function waitFor<T>(read: () => Promise<T>, want: T, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: T = await read();
  while (last !== want) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await sleep(50);
    last = await read();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
