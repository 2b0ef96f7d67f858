import { describe, expect, it } from 'vitest';
import type { CastEvent } from '../../../../native/pty/asciicast.ts';
import { CastRecorder } from '../../../../native/pty/cast-recorder.ts';
import type { CastClock } from '../../../../native/pty/cast-recorder.ts';

function recorder(recordInput = false): { rec: CastRecorder; events: CastEvent[]; clock: { ms: number } } {
  const events: CastEvent[] = [];
  const clock = { ms: 1000 };
  const castClock: CastClock = { monotonicMs: () => clock.ms, wallMs: () => 1_700_000_000_500 };
  const rec = new CastRecorder({
    width: 80,
    height: 24,
    env: { SHELL: '/bin/zsh', TERM: 'xterm-256color' },
    recordInput,
    clock: castClock,
    onEvent: (e) => events.push(e),
  });
  return { rec, events, clock };
}

describe('CastRecorder', () => {
  it('starts with a v2 header holding only SHELL and TERM and the start time in whole seconds', () => {
    const { rec, events } = recorder();
    rec.start();
    expect(events).toEqual([
      {
        version: 2,
        width: 80,
        height: 24,
        timestamp: 1_700_000_000,
        env: { SHELL: '/bin/zsh', TERM: 'xterm-256color' },
      },
    ]);
  });

  it('joins a multi-byte character split across reads instead of writing U+FFFD', () => {
    const { rec, events, clock } = recorder();
    rec.start();
    const bytes = Buffer.from('\u20ac\u{1F600}', 'utf8');
    for (const byte of bytes) {
      clock.ms += 10;
      rec.output(Uint8Array.of(byte));
    }
    expect(events.slice(1)).toEqual([
      [0.03, 'o', '\u20ac'],
      [0.07, 'o', '\u{1F600}'],
    ]);
  });

  it('writes U+FFFD only for bytes that are not UTF-8, including a sequence cut off at the end', () => {
    const { rec, events } = recorder();
    rec.output(Uint8Array.of(0x61, 0xff, 0x62, 0xe2, 0x82));
    rec.finish();
    expect(events.slice(1).map((e) => (e as readonly unknown[])[2])).toEqual(['a\ufffdb', '\ufffd']);
  });

  it('times events in seconds from the start on the monotonic clock, to the microsecond', () => {
    const { rec, events, clock } = recorder();
    rec.start();
    clock.ms += 1234.5678;
    rec.output(Buffer.from('x'));
    clock.ms += 0.0004;
    rec.resize(120, 40);
    expect(events.slice(1)).toEqual([
      [1.234568, 'o', 'x'],
      [1.234568, 'r', '120x40'],
    ]);
  });

  it('drops input unless input recording is on', () => {
    const off = recorder(false);
    off.rec.input(Buffer.from('hunter2'));
    off.rec.finish();
    expect(off.events.filter((e) => Array.isArray(e))).toEqual([]);
    const on = recorder(true);
    on.rec.input(Buffer.from('hunter2'));
    expect(on.events.slice(1)).toEqual([[0, 'i', 'hunter2']]);
  });

  it('emits the header before the first event even when start() was not called', () => {
    const { rec, events } = recorder();
    rec.output(Buffer.from('hi'));
    expect(events).toHaveLength(2);
    expect(Array.isArray(events[0])).toBe(false);
    expect(events[1]).toEqual([0, 'o', 'hi']);
  });
});
