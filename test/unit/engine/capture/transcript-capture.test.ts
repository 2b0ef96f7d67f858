import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CaptureSessions } from '../../../../electron/engine/capture/capture-sessions.ts';
import { TranscriptCapture } from '../../../../electron/engine/capture/transcript-capture.ts';
import { systemClock } from '../../../../electron/engine/runtime/clock.ts';
import { mediaFixture, recordingLogger } from './media-fixture.ts';
import type { MediaFixture } from './media-fixture.ts';

let f: MediaFixture;
let transcript: string;

beforeEach(async () => {
  f = await mediaFixture();
  transcript = path.join(f.dir, 'session.jsonl');
});

afterEach(() => {
  f.close();
});

const line = (n: number, pad = 0): string => `${JSON.stringify({ type: 'assistant', n, text: 'x'.repeat(pad) })}\n`;

function capture(options: { maxChunkBytes?: number } = {}) {
  const logger = recordingLogger();
  return { logger, tc: new TranscriptCapture(f.media, systemClock, logger, options) };
}

async function event(tc: TranscriptCapture, p: unknown = transcript): Promise<void> {
  tc.onEvent(f.sessionId, p);
  await tc.flush();
}

const infos = () =>
  f.media
    .list(f.sessionId)
    .filter((m) => m.kind === 'transcript')
    .map((m) => m.info);

describe('TranscriptCapture', () => {
  it('stores what was appended since the last event, complete lines only, the partial line with the next event', async () => {
    const { tc } = capture();
    fs.writeFileSync(transcript, line(1) + line(2));
    await event(tc);
    fs.appendFileSync(transcript, `${line(3)}{"type":"assist`);
    await event(tc);
    await event(tc); // nothing new and complete: no item
    fs.appendFileSync(transcript, `ant","n":4}\n${line(5)}`);
    await event(tc);
    const parts = await f.contents('transcript');
    expect(parts.map((p) => p.toString('utf8'))).toEqual([
      line(1) + line(2),
      line(3),
      `{"type":"assistant","n":4}\n${line(5)}`,
    ]);
    expect(Buffer.concat(parts).equals(fs.readFileSync(transcript))).toBe(true);
    const a = Buffer.byteLength(line(1) + line(2));
    const b = Buffer.byteLength(line(3));
    expect(infos()).toEqual([
      { offset: 0, length: a },
      { offset: a, length: b },
      { offset: a + b, length: parts[2]?.length },
    ]);
  });

  it('reads at most maxChunkBytes per event and takes the rest with the next events', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => line(i, 20)); // one-digit n: all the same length
    const size = Buffer.byteLength(lines[0] ?? '');
    const { tc } = capture({ maxChunkBytes: 2 * size + 10 }); // two lines and part of a third
    fs.writeFileSync(transcript, lines.join(''));
    await event(tc);
    expect(infos()).toEqual([{ offset: 0, length: 2 * size }]);
    await event(tc);
    await event(tc);
    await event(tc); // nothing left
    expect(infos().map((i) => [i.offset, i.length])).toEqual([
      [0, 2 * size],
      [2 * size, 2 * size],
      [4 * size, 2 * size],
    ]);
    expect(Buffer.concat(await f.contents('transcript')).toString('utf8')).toBe(lines.join(''));
  });

  it('stores a line longer than a whole chunk in pieces rather than stalling, and says so', async () => {
    const { tc } = capture({ maxChunkBytes: 64 });
    const long = line(1, 100);
    fs.writeFileSync(transcript, long + line(2));
    for (let i = 0; i < 4; i++) await event(tc);
    expect(Buffer.concat(await f.contents('transcript')).toString('utf8')).toBe(long + line(2));
    expect(infos()[0]).toEqual({ offset: 0, length: 64, splitLine: true });
  });

  it('takes one read per event even when events arrive while a read is running', async () => {
    const size = Buffer.byteLength(line(1, 20));
    const { tc } = capture({ maxChunkBytes: size });
    fs.writeFileSync(transcript, [1, 2, 3].map((n) => line(n, 20)).join(''));
    tc.onEvent(f.sessionId, transcript);
    tc.onEvent(f.sessionId, transcript);
    tc.onEvent(f.sessionId, transcript);
    expect(f.media.list(f.sessionId)).toEqual([]); // nothing is read while the caller runs
    await tc.flush();
    expect(infos().map((i) => i.offset)).toEqual([0, size, 2 * size]);
  });

  it('checks the path and opens the file once for a burst of events, not once per event', async () => {
    // A busy agent's events come faster than a read ends; a check per event cost the engine thread more
    // than storing the event (docs/performance.md). The spies only count the real calls.
    const lstat = vi.spyOn(fsp, 'lstat');
    const open = vi.spyOn(fsp, 'open');
    try {
      const { tc, logger } = capture();
      fs.writeFileSync(transcript, line(1) + line(2));
      for (let i = 0; i < 50; i++) tc.onEvent(f.sessionId, transcript);
      await tc.flush();
      // The vault opens its own object files: only opens of the transcript count here.
      const opensOf = (p: string): number => open.mock.calls.filter((c) => c[0] === p).length;
      expect(lstat).toHaveBeenCalledTimes(1);
      expect(opensOf(transcript)).toBe(1);
      expect(Buffer.concat(await f.contents('transcript')).toString('utf8')).toBe(line(1) + line(2));
      const missing = path.join(f.dir, 'missing.jsonl');
      for (let i = 0; i < 50; i++) tc.onEvent(f.sessionId, missing);
      await tc.flush();
      expect(lstat).toHaveBeenCalledTimes(2);
      expect(logger.lines.filter((l) => l.level === 'warn' && l.fields?.reason === 'missing')).toHaveLength(1);
    } finally {
      lstat.mockRestore();
      open.mockRestore();
    }
  });

  it('starts over at 0, marked restarted, when the file shrinks or the path changes', async () => {
    const { tc } = capture();
    fs.writeFileSync(transcript, line(1) + line(2));
    await event(tc);
    fs.writeFileSync(transcript, line(9)); // rewritten shorter
    await event(tc);
    const other = path.join(f.dir, 'other.jsonl');
    fs.writeFileSync(other, line(1) + line(2) + line(3));
    await event(tc, other);
    fs.appendFileSync(other, line(4));
    await event(tc, other);
    expect(infos()).toEqual([
      { offset: 0, length: Buffer.byteLength(line(1) + line(2)) },
      { offset: 0, length: Buffer.byteLength(line(9)), restarted: true },
      { offset: 0, length: Buffer.byteLength(line(1) + line(2) + line(3)), restarted: true },
      { offset: Buffer.byteLength(line(1) + line(2) + line(3)), length: Buffer.byteLength(line(4)) },
    ]);
    expect((await f.contents('transcript'))[1]?.toString('utf8')).toBe(line(9));
  });

  it('starts over when the file at the same path is replaced by another one', async () => {
    const { tc } = capture();
    fs.writeFileSync(transcript, line(1));
    await event(tc);
    const replacement = `${transcript}.new.jsonl`;
    fs.writeFileSync(replacement, line(1) + line(2));
    fs.renameSync(replacement, transcript);
    await event(tc);
    expect(infos()[1]).toEqual({ offset: 0, length: Buffer.byteLength(line(1) + line(2)), restarted: true });
  });

  it('carries on after an engine restart where the stored items end, without repeating a byte', async () => {
    const first = capture();
    fs.writeFileSync(transcript, line(1) + line(2));
    await event(first.tc);
    fs.appendFileSync(transcript, `${line(3)}{"partial`);
    await event(first.tc);
    await f.reopen();
    const second = capture();
    fs.appendFileSync(transcript, `":true}\n`);
    await event(second.tc);
    const parts = await f.contents('transcript');
    expect(parts).toHaveLength(3);
    expect(Buffer.concat(parts).equals(fs.readFileSync(transcript))).toBe(true);
    expect(infos()[2]).toEqual({
      offset: Buffer.byteLength(line(1) + line(2) + line(3)),
      length: Buffer.byteLength(`{"partial":true}\n`),
    });
  });

  it('after a restart, starts over when the file is now shorter than what was stored', async () => {
    const first = capture();
    fs.writeFileSync(transcript, line(1) + line(2) + line(3));
    await event(first.tc);
    await f.reopen();
    fs.writeFileSync(transcript, line(7));
    const second = capture();
    await event(second.tc);
    expect(infos()[1]).toEqual({ offset: 0, length: Buffer.byteLength(line(7)), restarted: true });
  });

  it('refuses symlinks, relative paths, other extensions, folders and FIFOs, with one warning per session each', async () => {
    const { tc, logger } = capture();
    const secret = path.join(f.dir, 'secret.jsonl');
    fs.writeFileSync(secret, line(42));
    const link = path.join(f.dir, 'link.jsonl');
    fs.symlinkSync(secret, link);
    const folder = path.join(f.dir, 'folder.jsonl');
    fs.mkdirSync(folder);
    const fifo = path.join(f.dir, 'fifo.jsonl');
    const hasFifo = spawnSync('mkfifo', [fifo]).status === 0;
    const refused: unknown[] = [link, link, 'relative/t.jsonl', path.join(f.dir, 't.json'), folder, 42, ''];
    if (hasFifo) refused.push(fifo);
    for (const p of refused) await event(tc, p);
    expect(f.media.list(f.sessionId)).toEqual([]);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.fields?.reason)).toEqual([
      'not-a-regular-file',
      'not-absolute',
      'not-jsonl',
      'not-a-path',
    ]);
    expect(warnings[0]?.fields?.path).toBe(link);
    expect(JSON.stringify(logger.lines)).not.toContain('"n":42');
    // A valid path still works afterwards, and a session without a path is no problem.
    fs.writeFileSync(transcript, line(1));
    await event(tc);
    await event(tc, undefined);
    expect(infos()).toEqual([{ offset: 0, length: Buffer.byteLength(line(1)) }]);
  });

  it('keeps sessions apart', async () => {
    const { tc } = capture();
    const otherSession = new CaptureSessions(f.db).open('terminal', 'claude-code', 'other', Date.now());
    const otherPath = path.join(f.dir, 'b.jsonl');
    fs.writeFileSync(transcript, line(1));
    fs.writeFileSync(otherPath, line(2) + line(3));
    tc.onEvent(f.sessionId, transcript);
    tc.onEvent(otherSession, otherPath);
    await tc.flush();
    expect((await f.contents('transcript')).map(String)).toEqual([line(1)]);
    const otherItems = f.media.list(otherSession);
    expect(otherItems.map((m) => m.info)).toEqual([{ offset: 0, length: Buffer.byteLength(line(2) + line(3)) }]);
  });
});
