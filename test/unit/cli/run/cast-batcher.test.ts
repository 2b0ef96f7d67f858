import { describe, expect, it } from 'vitest';
import type { CastFrame } from '../../../../native/pty/asciicast.ts';
import { CastBatcher } from '../../../../electron/cli/run/cast-batcher.ts';
import type { CastBatch } from '../../../../electron/cli/run/cast-batcher.ts';
import { dataFrameLine } from '../../../../electron/cli/run/terminal-frames.ts';
import { MAX_FRAME_BYTES } from '../../../../electron/common/protocol/constants.ts';
import { terminalDataFrameSchema } from '../../../../electron/common/protocol/frames.ts';

const KIB = 1024;

function takeAll(batcher: CastBatcher): CastBatch[] {
  const batches: CastBatch[] = [];
  for (let b = batcher.take(); b !== undefined; b = batcher.take()) batches.push(b);
  return batches;
}

const eventsOf = (batches: readonly CastBatch[]): CastFrame[] =>
  batches.flatMap((b) => b.events.map((e) => JSON.parse(e) as CastFrame));

const joinedBytes = (events: readonly string[]): number => Buffer.byteLength(events.join(','), 'utf8');

describe('CastBatcher', () => {
  it('keeps events in order in one batch until it is cut', () => {
    const batcher = new CastBatcher({ maxBatchBytes: 256 * KIB, maxBufferedBytes: 64 * KIB * KIB });
    const frames: CastFrame[] = [
      [0.1, 'o', 'hello '],
      [0.2, 'r', '100x30'],
      [0.3, 'o', 'w\u00f6rld \u{1F600}'],
    ];
    for (const f of frames) expect(batcher.add(f)).toBe('kept');
    expect(batcher.take()).toBeUndefined();
    expect(batcher.hasOpenBatch).toBe(true);
    batcher.cut();
    const batches = takeAll(batcher);
    expect(batches).toHaveLength(1);
    expect(eventsOf(batches)).toEqual(frames);
    expect(batches[0]?.bytes).toBe(joinedBytes(batches[0]?.events ?? []));
    expect(batcher.bufferedBytes).toBe(0);
  });

  it('closes a batch before it would exceed its size', () => {
    const batcher = new CastBatcher({ maxBatchBytes: 1000, maxBufferedBytes: 1_000_000 });
    for (let i = 0; i < 100; i++) batcher.add([i / 10, 'o', 'x'.repeat(90)]);
    batcher.cut();
    const batches = takeAll(batcher);
    expect(batches.length).toBeGreaterThan(10);
    for (const b of batches) {
      expect(b.bytes).toBe(joinedBytes(b.events));
      expect(b.bytes).toBeLessThanOrEqual(1000);
    }
    expect(eventsOf(batches)).toHaveLength(100);
  });

  it('splits one huge output event into frames under the protocol limit that reassemble exactly', () => {
    const maxBatchBytes = 256 * KIB - 256;
    const batcher = new CastBatcher({ maxBatchBytes, maxBufferedBytes: 64 * KIB * KIB });
    // 3 MiB of text where control bytes (6 JSON bytes each) and emoji sit everywhere.
    const unit = 'line \x1b[32m\u00e9\u20ac\u{1F600}\x00\x07"\\\r\n';
    const data = unit.repeat(Math.ceil((3 * KIB * KIB) / unit.length));
    batcher.add([1.5, 'o', data]);
    batcher.add([1.6, 'o', 'after']);
    batcher.cut();
    const batches = takeAll(batcher);
    const events = eventsOf(batches);
    expect(events.every((e) => e[1] === 'o')).toBe(true);
    expect(events.slice(0, -1).every((e) => e[0] === 1.5)).toBe(true);
    expect(
      events
        .slice(0, -1)
        .map((e) => e[2])
        .join(''),
    ).toBe(data);
    expect(events.at(-1)).toEqual([1.6, 'o', 'after']);
    batches.forEach((batch, i) => {
      const line = dataFrameLine(String(i + 1), 't_abcdefghijklmnopqrst', batch);
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(256 * KIB);
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThan(MAX_FRAME_BYTES);
      expect(terminalDataFrameSchema.safeParse(JSON.parse(line)).success).toBe(true);
    });
  });

  it('never puts more events in a batch than allowed', () => {
    const batcher = new CastBatcher({ maxBatchBytes: 1_000_000, maxBufferedBytes: 10_000_000, maxBatchEvents: 7 });
    for (let i = 0; i < 20; i++) batcher.add([i, 'o', 'x']);
    batcher.cut();
    expect(takeAll(batcher).map((b) => b.events.length)).toEqual([7, 7, 6]);
  });

  it('drops output past its memory bound, keeps resizes, and marks the bytes it dropped', () => {
    const batcher = new CastBatcher({ maxBatchBytes: 1000, maxBufferedBytes: 10_000 });
    const results = [];
    for (let i = 0; i < 30; i++) results.push(batcher.add([i, 'o', 'y'.repeat(980)]));
    expect(batcher.bufferedBytes).toBeLessThanOrEqual(10_000);
    expect(results.filter((r) => r === 'dropped-first')).toHaveLength(1);
    const kept = results.filter((r) => r === 'kept').length;
    const dropped = 30 - kept;
    expect(dropped).toBeGreaterThan(0);
    expect(batcher.droppedBytes).toBe(dropped * 980);
    expect(batcher.add([30, 'r', '100x30'])).toBe('kept');
    // The stream catches up: every waiting batch goes out.
    batcher.cut();
    const before = takeAll(batcher);
    expect(batcher.add([31, 'o', 'back'])).toBe('kept');
    batcher.cut();
    const after = eventsOf(takeAll(batcher));
    expect(after).toEqual([
      [31, 'm', `aev: ${dropped * 980} bytes of terminal data not recorded (the recorder fell behind)`],
      [31, 'o', 'back'],
    ]);
    expect(eventsOf(before).filter((e) => e[1] === 'r')).toEqual([[30, 'r', '100x30']]);
  });

  it('goes on dropping until half its memory is free again, so it does not flap', () => {
    const batcher = new CastBatcher({ maxBatchBytes: 1000, maxBufferedBytes: 10_000 });
    for (let i = 0; i < 20; i++) batcher.add([i, 'o', 'z'.repeat(980)]);
    batcher.take(); // one batch leaves: some room, but not half
    expect(batcher.add([21, 'o', 'z'])).toBe('dropped');
    while (batcher.bufferedBytes > 5_000) batcher.take();
    expect(batcher.add([22, 'o', 'z'])).toBe('kept');
  });

  it('marks output dropped at the very end when the session finishes', () => {
    const batcher = new CastBatcher({ maxBatchBytes: 1000, maxBufferedBytes: 5_000 });
    for (let i = 0; i < 10; i++) batcher.add([i, 'o', 'q'.repeat(900)]);
    const dropped = batcher.droppedBytes;
    expect(dropped).toBeGreaterThan(0);
    batcher.finish(9.5);
    const events = eventsOf(takeAll(batcher));
    expect(events.at(-1)).toEqual([
      9.5,
      'm',
      `aev: ${dropped} bytes of terminal data not recorded (the recorder fell behind)`,
    ]);
  });
});
