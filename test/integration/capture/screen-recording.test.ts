import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPins } from '../../../electron/common/model/event.ts';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { hookPayload, RawClient, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { hasProgram, runClient, startXvfb } from '../screen/x-server.ts';
import type { Xvfb } from '../screen/x-server.ts';

const COLOURS: readonly [string, readonly [number, number, number]][] = [
  ['#ff0000', [255, 0, 0]],
  ['#00c000', [0, 192, 0]],
  ['#0000ff', [0, 0, 255]],
  ['#ffff00', [255, 255, 0]],
  ['#ffffff', [255, 255, 255]],
];
const FRAME_MS = 200; // 5 fps
const WINDOW_MS = 2000;

const canRun = hasProgram('Xvfb') && hasProgram('ffmpeg') && hasProgram('xsetroot');

/** The colour of the last frame at or before `ptsMs` (ffmpeg keeps the fMP4 presentation times with -copyts). */
function colourAt(mp4: Buffer, ptsMs: number): [number, number, number] {
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-copyts',
      '-f',
      'mp4',
      '-i',
      'pipe:0',
      '-vf',
      `select='lte(t\\,${ptsMs / 1000})',scale=8:8`,
    ].concat(['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']),
    { input: mp4, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not decode: ${r.stderr.toString()}`);
  const out = r.stdout;
  if (out.length < 192) throw new Error(`no frame at or before ${ptsMs} ms`);
  const px = out.subarray(out.length - 192 + 27 * 3); // a pixel in the middle of the last 8x8 frame
  return [px[0] ?? -1, px[1] ?? -1, px[2] ?? -1];
}

function near(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= 40);
}

describe.skipIf(!canRun)('screen recording follows agents (real Xvfb, real ffmpeg)', () => {
  let x: Xvfb;
  let t: TestEngine;
  beforeAll(async () => {
    x = await startXvfb(1920, 1080);
    runClient(x.display, 'xsetroot', ['-solid', '#000000']);
    t = await startTestEngine({
      windowMs: WINDOW_MS,
      tsa: null,
      screen: { fps: 5, maxLongSide: 1920, graceMs: 1500, env: { ...process.env, DISPLAY: x.display } },
    });
  });
  afterAll(async () => {
    await t.dispose();
    await x.stop();
  });

  it('records while a session is active; the frame at each event’s pinned offset shows that moment’s colour', async () => {
    const control = await testClient(t.info.socketPath, 'control');
    const status = async () => (await control.request('status', {}, 5000)) as EngineStatus;
    expect((await status()).screen.state).toBe('idle');
    const ingest = await RawClient.hello(t.info.socketPath);
    let n = 0;
    const send = async (kind: string, extra: Record<string, unknown> = {}) => {
      const id = `e${++n}`;
      ingest.send({
        type: 'event',
        id,
        event: { agent: 'claude-code', payload: hookPayload('screen-s', kind, extra) },
      });
      return (await ingest.waitFor((f) => f.id === id)) as { sessionId: string; seq: number };
    };
    const started = Date.now();
    const first = await send('SessionStart');
    for (let i = 0; i < 100 && (await status()).screen.state !== 'recording'; i++) await sleep(50);
    expect((await status()).screen.state).toBe('recording');
    // Capture follows the agent session at once (a quiet machine takes ~0.3 s: bench/capture.ts); the
    // bound is loose for a shared CI machine, and still fails if capture waited for something else.
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(1500); // the first keyframe and a second of black
    const painted: { seq: number; colour: readonly [number, number, number] }[] = [];
    for (const [name, rgb] of COLOURS) {
      runClient(x.display, 'xsetroot', ['-solid', name]);
      await sleep(FRAME_MS + 100);
      const ack = await send('PreToolUse', { tool_name: 'Bash', tool_use_id: `tu-${name}`, tool_input: {} });
      painted.push({ seq: ack.seq, colour: rgb });
      await sleep(700);
    }
    await send('SessionEnd', { reason: 'exit' });
    const recording = (await status()).screen.recordingId;
    expect(recording).not.toBeNull();
    // Stops after the grace period once no agent is active; the recording's chain is then final.
    const db = openIndexFile(t.dataRoot, true);
    await until(
      () =>
        db
          .prepare<[string], { chain_final: number }>('SELECT chain_final FROM sessions WHERE id = ?')
          .get(recording ?? '')?.chain_final === 1,
      15_000,
      'the recording to stop and seal',
    );
    db.close();
    expect((await status()).screen.state).toBe('idle');

    const detail = (await control.request('sessions.show', { id: first.sessionId }, 5000)) as {
      events: { seq: number; pins: EventPins }[];
    };
    for (const p of painted) {
      const pins = detail.events.find((e) => e.seq === p.seq)?.pins;
      expect(pins?.video?.recording).toBe(recording);
      const video = (await control.request(
        'video.read',
        { recording, from: new Date(Date.now() - 120_000).toISOString(), to: new Date().toISOString() },
        10_000,
      )) as { mp4: string };
      const mp4 = Buffer.from(video.mp4, 'base64');
      const offset = pins?.video?.offsetMs ?? -1;
      // Tolerance one frame interval: the frame at the offset, or the one after it.
      const seen = [colourAt(mp4, offset), colourAt(mp4, offset + FRAME_MS)];
      expect(
        seen.some((c) => near(c, p.colour)),
        `event ${p.seq} at ${offset} ms saw ${JSON.stringify(seen)}`,
      ).toBe(true);
    }
    // Keyframes land on window boundaries (the agent session's records are sealed on them): on the first
    // frame at or after each one, which on an unchanged screen is the first frame mpdecimate keeps (≤ 1 s).
    const idx = openIndexFile(t.dataRoot, true);
    const sealedAt = idx
      .prepare<[string], { sealed_at: string; record: Buffer }>(
        "SELECT sealed_at, record FROM chain_records WHERE session_id = ? AND kind = 'window'",
      )
      .all(first.sessionId)
      // The last record is sealed when the session ends, off the grid.
      .filter((r) => !(JSON.parse(r.record.toString()) as { final: boolean }).final)
      .map((r) => Date.parse(r.sealed_at) % WINDOW_MS);
    const keyframes = idx
      .prepare<[string], { start_ms: number; descriptor: Buffer }>(
        "SELECT start_ms, descriptor FROM media WHERE session_id = ? AND kind = 'video-fragment' ORDER BY seq",
      )
      .all(recording ?? '')
      .filter((m) => (JSON.parse(m.descriptor.toString()) as { info: { keyframe: boolean } }).info.keyframe)
      .slice(1) // the first frame of a recording is a keyframe wherever it falls
      .map((m) => m.start_ms);
    idx.close();
    // The sealer's timer only ever fires late (and later under load), so the grid is nearest the
    // earliest seal: the residue just after the widest circular gap between residues.
    const phase = earliestOnCircle(sealedAt, WINDOW_MS);
    const late = keyframes.map((k) => {
      const d = (((k - phase) % WINDOW_MS) + WINDOW_MS) % WINDOW_MS;
      return d > WINDOW_MS - 100 ? d - WINDOW_MS : d; // a few ms early is timer jitter
    });
    expect(keyframes.length).toBeGreaterThan(3);
    const why = `keyframes after their boundaries by ${JSON.stringify(late)} ms`;
    // ffmpeg is told at spawn where the boundaries fall in video time, from what the previous start took
    // between spawn and first frame; under load that varies by tens of ms (CI saw -61), so the aim is
    // judged to ±150 ms: without it the only keyframe would be the first (GOP of 50 s at 5 fps).
    expect(Math.min(...late), why).toBeGreaterThanOrEqual(-150);
    expect(Math.max(...late), why).toBeLessThanOrEqual(1000 + 150);
    control.close();
    ingest.close();
    const report = await verifyDataRoot(t.dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
    expect(
      report.items.filter((i) => i.item.startsWith(`session ${recording ?? ''} record`) && i.status === 'pass').length,
    ).toBeGreaterThan(2);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The residue (mod `period`) that comes first when the residues cluster after one point on the circle. */
function earliestOnCircle(residues: readonly number[], period: number): number {
  const sorted = [...residues].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  let best = 0;
  let widest = -1;
  for (const [i, r] of sorted.entries()) {
    const before = i === 0 ? (sorted.at(-1) ?? r) - period : (sorted[i - 1] ?? r);
    if (r - before > widest) {
      widest = r - before;
      best = r;
    }
  }
  return best;
}
