import { describe, expect, it } from 'vitest';
import { AevError } from '../../../../electron/common/errors.ts';
import { box, fullBox, hasFfmpeg, u32 } from '../../native/ffmpeg/mp4-test-boxes.ts';
import { pageStream, part, startedHub, T0, WINDOW_MS } from './chromium-fixture.ts';

if (!hasFfmpeg) console.warn('skipping Chromium capture hub tests on real streams: install ffmpeg');

/** The code of what `fn` throws (it must throw an AevError). */
function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AevError) return error.code;
    throw error;
  }
  throw new Error('did not throw');
}

describe.skipIf(!hasFfmpeg)('Chromium capture hub: the engine side of the capture page', () => {
  it('orders a run on the sealer grid and hands the page’s fMP4 to the sink, timed from its anchor plus tfdt', async () => {
    const { hub, clock, runId, log, run } = await startedHub();
    const order = hub.control().run;
    expect(order).toMatchObject({ fps: 5, maxLongSide: 1920, windowMs: WINDOW_MS });
    expect(runId).toMatch(/^cap_/);
    // The next boundary of the sealer's grid at or after the start (T0 itself is one).
    expect(order?.boundaryMs).toBe(T0);
    const anchor = T0 + 300;
    const stream = pageStream(anchor);
    clock.set(anchor + 50);
    hub.part(part(runId, 'init', anchor, stream.init));
    expect(log.inits).toHaveLength(0); // the splitter knows the init is whole when the first moof comes
    for (const f of stream.fragments) {
      clock.set(f.endMs + 100);
      hub.part(part(runId, 'fragment', f.startMs, f.bytes));
    }
    expect(log.inits).toHaveLength(1);
    expect(log.inits[0]).toMatchObject({ width: 320, height: 240, timescale: 90_000 });
    expect(log.inits[0]?.codec).toMatch(/^avc1\.64/);
    expect(log.fragments.map((f) => f.startMs)).toEqual(stream.fragments.map((f) => f.startMs));
    expect(log.fragments.map((f) => f.endMs)).toEqual(stream.fragments.map((f) => f.endMs));
    expect(log.fragments[0]?.keyframe).toBe(true);
    expect(log.fragments[0]?.ptsMs).toBe(0);
    const stopped = run.stop(5000);
    expect(hub.control().run).toBeNull();
    hub.ended({ runId, pageId: 'page-1', error: null });
    await stopped;
    expect(log.exits).toEqual([{ requested: true, reason: 'stopped' }]);
  });

  const hostile: readonly [
    string,
    (s: ReturnType<typeof pageStream>) => [kind: 'init' | 'fragment', bytes: Buffer][],
  ][] = [
    ['a box of size 0', () => [['init', Buffer.concat([u32(0), Buffer.from('moov'), Buffer.alloc(8)])]]],
    ['a box smaller than its header', (s) => [['init', Buffer.concat([u32(4), Buffer.from('ftyp')])], ...rest(s)]],
    ['an mdat before any moof', (s) => [['init', Buffer.concat([s.init, box('mdat', Buffer.alloc(16))])]]],
    ['an init without a moov', (s) => [['init', box('ftyp', Buffer.from('isom'))], ...rest(s)]],
    ['a fragment before the init', (s) => rest(s)],
    [
      'a second init segment',
      (s) => [
        ['init', s.init],
        ['init', s.init],
      ],
    ],
    [
      'two fragments in one message',
      (s) => [
        ['init', s.init],
        ['fragment', Buffer.concat(frags(s, 2))],
      ],
    ],
    ['half a fragment, then a new moof', (s) => [['init', s.init], ...halves(s)]],
    [
      'a moof whose trun points past its mdat',
      (s) => [
        ['init', s.init],
        ['fragment', shortMdat(s)],
      ],
    ],
    ['random bytes', () => [['init', Buffer.from('this is not an mp4 at all, just text')]]],
    [
      'a moof without an mfhd',
      (s) => [
        ['init', s.init],
        ['fragment', Buffer.concat([box('moof'), box('mdat')])],
      ],
    ],
    [
      'a fullbox cut short',
      (s) => [
        ['init', s.init],
        ['fragment', box('moof', fullBox('mfhd', 0, 0))],
      ],
    ],
  ];

  for (const [what, messages] of hostile) {
    it(`ends the run as a capture failure on ${what}, never with a throw past the transport`, async () => {
      const { hub, clock, runId, log } = await startedHub();
      const stream = pageStream(T0 + 100);
      clock.set(T0 + 10_000);
      let refused: string | null = null;
      for (const [kind, bytes] of messages(stream)) {
        const code = tryCode(() => {
          hub.part(part(runId, kind, kind === 'init' ? T0 + 100 : T0 + 100, bytes));
        });
        if (code !== null) {
          refused = code;
          break;
        }
      }
      expect(refused).toBe('E_MEDIA_FORMAT');
      expect(log.exits).toHaveLength(1);
      expect(log.exits[0]?.requested).toBe(false);
      expect(log.exits[0]?.reason).toMatch(/^Chromium capture page: /);
      // The run is over: whatever the page sends for it now is refused as not recording.
      expect(
        codeOf(() => {
          hub.part(part(runId, 'fragment', T0, stream.init));
        }),
      ).toBe('E_NOT_RECORDING');
      expect(hub.control().run).toBeNull();
    });
  }

  it('refuses a stated time far from what the fragment’s decode time says, and an anchor from another day', async () => {
    const a = await startedHub();
    const stream = pageStream(T0 + 100);
    a.clock.set(T0 + 10_000);
    a.hub.part(part(a.runId, 'init', T0 + 100, stream.init));
    const first = stream.fragments[0]!;
    expect(
      codeOf(() => {
        a.hub.part(part(a.runId, 'fragment', first.startMs + 5000, first.bytes));
      }),
    ).toBe('E_MEDIA_FORMAT');
    expect(a.log.exits[0]?.reason).toMatch(/is stated at .* but its decode time says/);

    const b = await startedHub();
    expect(
      codeOf(() => {
        b.hub.part(part(b.runId, 'init', T0 - 86_400_000, stream.init));
      }),
    ).toBe('E_MEDIA_FORMAT');
    expect(b.log.exits[0]?.reason).toMatch(/outside the run/);

    const c = await startedHub();
    c.clock.set(T0 + 200);
    c.hub.part(part(c.runId, 'init', T0 + 100, stream.init));
    // Fragments up to 3 s into the video cannot have been recorded 100 ms after it began.
    const late = stream.fragments.at(-1)!;
    expect(
      codeOf(() => {
        c.hub.part(part(c.runId, 'fragment', late.startMs, late.bytes));
      }),
    ).toBe('E_MEDIA_FORMAT');
    expect(c.log.exits[0]?.reason).toMatch(/ends in the future/);
  });

  it('refuses a part larger than the cap and fails the run', async () => {
    const { hub, runId, log } = await startedHub({ maxPartBytes: 1024 });
    expect(
      codeOf(() => {
        hub.part(part(runId, 'init', T0, Buffer.alloc(2048)));
      }),
    ).toBe('E_FRAME_TOO_LARGE');
    expect(log.exits[0]?.reason).toMatch(/exceeds 1024/);
  });

  it('lets the first page that sends record the run, and refuses any other page and unknown runs', async () => {
    const { hub, clock, runId, log } = await startedHub();
    const stream = pageStream(T0 + 100);
    clock.set(T0 + 200);
    hub.part(part(runId, 'init', T0 + 100, stream.init, 'page-a'));
    expect(
      codeOf(() => {
        hub.part(part(runId, 'init', T0 + 100, stream.init, 'page-b'));
      }),
    ).toBe('E_NOT_RECORDING');
    expect(
      codeOf(() => {
        hub.ended({ runId, pageId: 'page-b', error: 'mine' });
      }),
    ).toBe('E_NOT_RECORDING');
    expect(
      codeOf(() => {
        hub.part(part('cap_NOPE', 'init', T0, stream.init, 'page-a'));
      }),
    ).toBe('E_NOT_RECORDING');
    // None of that touched the run page-a is recording.
    expect(log.exits).toEqual([]);
    expect(hub.control().run?.id).toBe(runId);
  });

  it('puts what the page says broke on record, cut to a readable length', async () => {
    const { hub, runId, log } = await startedHub();
    hub.ended({ runId, pageId: 'p', error: `NotAllowedError: Permission denied ${'x'.repeat(2000)}` });
    expect(log.exits).toHaveLength(1);
    expect(log.exits[0]?.requested).toBe(false);
    expect(log.exits[0]?.reason).toMatch(/^Chromium capture page: NotAllowedError: Permission denied x+…$/);
    expect(log.exits[0]!.reason.length).toBeLessThan(600);
  });

  it('fails a run nobody records, and one whose page falls silent', async () => {
    const idle = await startedHub({ stallMs: 300 });
    idle.clock.set(T0 + 1000);
    await sleep(700);
    expect(idle.log.exits[0]?.reason).toMatch(/no capture page took the recording within 0 s/);
    expect(idle.hub.control().run).toBeNull();

    const silent = await startedHub({ stallMs: 300 });
    const stream = pageStream(T0 + 100);
    silent.clock.set(T0 + 200);
    silent.hub.part(part(silent.runId, 'init', T0 + 100, stream.init));
    silent.clock.set(T0 + 1000);
    await sleep(700);
    expect(silent.log.exits[0]?.reason).toMatch(/no video from the capture page/);
  });

  it('stops at once when no page took the run, and after the timeout when the page never confirms', async () => {
    const none = await startedHub();
    await none.run.stop(60_000);
    expect(none.log.exits).toEqual([{ requested: true, reason: 'stopped before a page took it' }]);

    const mute = await startedHub();
    const stream = pageStream(T0 + 100);
    mute.clock.set(T0 + 200);
    mute.hub.part(part(mute.runId, 'init', T0 + 100, stream.init));
    const started = Date.now();
    await mute.run.stop(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(mute.log.exits[0]).toEqual({
      requested: true,
      reason: 'the capture page did not confirm the stop within 200 ms',
    });
  });

  it('wakes a long poll when the control changes and answers at once when it is already newer', async () => {
    const { hub, run, runId } = await startedHub();
    const now = hub.control();
    expect((await hub.nextControl(now.version - 1, 10_000)).run?.id).toBe(runId);
    const waiting = hub.nextControl(now.version, 10_000);
    const stopped = run.stop(1000);
    expect((await waiting).run).toBeNull();
    await stopped;
    const t = Date.now();
    expect((await hub.nextControl(hub.control().version, 100)).version).toBe(hub.control().version);
    expect(Date.now() - t).toBeGreaterThanOrEqual(90);
  });
});

type Stream = ReturnType<typeof pageStream>;

function rest(s: Stream): [kind: 'fragment', bytes: Buffer][] {
  return s.fragments.map((f) => ['fragment', f.bytes]);
}

function frags(s: Stream, n: number): Buffer[] {
  return s.fragments.slice(0, n).map((f) => f.bytes);
}

/** The first fragment's moof and half its mdat, then the whole second fragment. */
function halves(s: Stream): [kind: 'fragment', bytes: Buffer][] {
  const [a, b] = frags(s, 2);
  return [
    ['fragment', a!.subarray(0, Math.floor(a!.length / 2))],
    ['fragment', b!],
  ];
}

/** The first fragment with its mdat's declared size shrunk to 8 bytes: the trun points past it. */
function shortMdat(s: Stream): Buffer {
  const f = Buffer.from(frags(s, 1)[0]!);
  const moofSize = f.readUInt32BE(0);
  f.writeUInt32BE(8, moofSize);
  return f.subarray(0, moofSize + 8);
}

function tryCode(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof AevError) return error.code;
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
