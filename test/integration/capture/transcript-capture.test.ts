import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TranscriptCapture } from '../../../electron/engine/capture/transcript-capture.ts';
import { createEngine } from '../../../electron/engine/create-engine.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { until, verifyDataRoot } from '../../helpers/sealing.ts';
import { filesContaining, makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { recordingLogger } from '../../unit/engine/capture/media-fixture.ts';
import { mediaCounts, openSideStore, sendHook } from './engine-media.ts';
import type { SideStore } from './engine-media.ts';

const entry = (n: number, text: string): string =>
  `${JSON.stringify({ type: 'assistant', uuid: `u${n}`, message: { content: [{ type: 'text', text }] } })}\n`;

/** The decrypted transcript items of a session, in seq order. */
async function transcriptBytes(side: SideStore, sessionId: string): Promise<Buffer> {
  const items = side.media.list(sessionId).filter((m) => m.kind === 'transcript');
  const parts: Buffer[] = [];
  for (const m of items) parts.push((await side.media.read(sessionId, m.seq)).bytes);
  return Buffer.concat(parts);
}

/** The file up to and including its last newline: what the capture may take. */
function completeLines(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  return bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
}

describe('agent transcripts captured beside a real engine', () => {
  let t: TestEngine | undefined;
  let side: SideStore | undefined;
  const tmp = makeTempDir('aev-transcript-');
  afterEach(async () => {
    side?.close();
    side = undefined;
    await t?.dispose();
    t = undefined;
  });
  afterAll(() => {
    tmp.cleanup();
  });

  it('stores what the agent appended at each event, complete lines only, sealed and verifiable', async () => {
    t = await startTestEngine({ windowMs: 200, tsa: null });
    side = await openSideStore(t.engine);
    const logger = recordingLogger();
    const capture = new TranscriptCapture(side.media, systemClock, logger);
    const file = path.join(tmp.dir, 'a1b2c3.jsonl');
    fs.writeFileSync(file, '');
    const appends = [
      entry(1, 'I will list the files.'),
      `${entry(2, 'Running ls')}{"type":"user","uuid":"u3","mess`, // a line still being written
      `age":{"content":"tool result: 3 files"}}\n${entry(4, 'Naïve café — 日本語 ✓')}`,
      '', // an event with nothing new
      entry(5, 'x'.repeat(100_000)),
    ];
    let sessionId = '';
    for (const [i, text] of appends.entries()) {
      fs.appendFileSync(file, text);
      // What create-engine's wiring does for each acknowledged hook event.
      const ack = await sendHook(t.info.socketPath, 'agent-transcript-1', i % 2 === 0 ? 'PreToolUse' : 'PostToolUse');
      sessionId = ack.sessionId;
      capture.onEvent(ack.sessionId, file);
      await capture.flush();
    }
    expect((await transcriptBytes(side, sessionId)).equals(completeLines(file))).toBe(true);
    expect(completeLines(file).equals(fs.readFileSync(file))).toBe(true);
    const items = side.media.list(sessionId);
    expect(items.map((m) => m.kind)).toEqual(['transcript', 'transcript', 'transcript', 'transcript']);
    expect(items.map((m) => m.info.offset)).toEqual([
      0,
      Buffer.byteLength(appends[0] ?? ''),
      Buffer.byteLength(`${appends[0]}${entry(2, 'Running ls')}`),
      Buffer.byteLength(`${appends[0]}${appends[1]}${appends[2]}`),
    ]);
    expect(logger.lines).toEqual([]);

    const db = side.db;
    await until(
      () => {
        const c = mediaCounts(db, sessionId);
        return c !== undefined && c.media_count === 4 && c.sealed_media === 4;
      },
      10_000,
      'the transcript items to be sealed',
    );
    expect(filesContaining(t.dataRoot, 'Naïve café — 日本語')).toEqual([]); // encrypted at rest (I1)
    const report = await verifyDataRoot(t.dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
    const sealedMedia = report.items.filter(
      (i) => i.item.startsWith(`session ${sessionId} record`) && i.item.endsWith(' media'),
    );
    expect(sealedMedia.length).toBeGreaterThan(0);
    expect(sealedMedia.every((i) => i.status === 'pass')).toBe(true);
  });

  it('refuses a transcript_path that is a symlink, and stores nothing', async () => {
    t = await startTestEngine({ windowMs: 200, tsa: null });
    side = await openSideStore(t.engine);
    const logger = recordingLogger();
    const capture = new TranscriptCapture(side.media, systemClock, logger);
    const secret = path.join(tmp.dir, 'not-a-transcript.jsonl');
    fs.writeFileSync(secret, `${JSON.stringify({ key: 'SECRET-VALUE' })}\n`);
    const link = path.join(tmp.dir, 'link.jsonl');
    fs.symlinkSync(secret, link);
    const { sessionId } = await sendHook(t.info.socketPath, 'agent-transcript-2', 'PreToolUse');
    capture.onEvent(sessionId, link);
    capture.onEvent(sessionId, link);
    await capture.flush();
    expect(side.media.list(sessionId)).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'transcript path refused',
        fields: { sessionId, reason: 'not-a-regular-file', path: link },
      },
    ]);
  });

  it('carries on where it stopped after the engine restarts on the same data root', async () => {
    t = await startTestEngine({ windowMs: 200, tsa: null });
    const file = path.join(tmp.dir, 'restart.jsonl');
    fs.writeFileSync(file, entry(1, 'before the restart') + '{"type":"partial');
    side = await openSideStore(t.engine);
    const { sessionId } = await sendHook(t.info.socketPath, 'agent-transcript-3', 'PreToolUse');
    const before = new TranscriptCapture(side.media, systemClock, recordingLogger());
    before.onEvent(sessionId, file);
    await before.flush();
    side.close();
    side = undefined;
    await t.engine.stop();

    const engine = createEngine({
      dataRoot: t.dataRoot,
      passphrase: TEST_PASSPHRASE,
      keyring: null,
      httpPort: 0,
      screen: null,
      windowMs: 200,
      tsa: null,
    });
    const info = await engine.start();
    try {
      side = await openSideStore(engine);
      fs.appendFileSync(file, `"}\n${entry(2, 'after the restart')}`);
      const again = await sendHook(info.socketPath, 'agent-transcript-3', 'PostToolUse');
      expect(again.sessionId).toBe(sessionId);
      const after = new TranscriptCapture(side.media, systemClock, recordingLogger());
      after.onEvent(sessionId, file);
      await after.flush();
      expect((await transcriptBytes(side, sessionId)).equals(fs.readFileSync(file))).toBe(true);
      expect(side.media.list(sessionId).map((m) => m.info)).toEqual([
        { offset: 0, length: Buffer.byteLength(entry(1, 'before the restart')) },
        {
          offset: Buffer.byteLength(entry(1, 'before the restart')),
          length: Buffer.byteLength(`{"type":"partial"}\n${entry(2, 'after the restart')}`),
        },
      ]);
    } finally {
      side?.close();
      side = undefined;
      await engine.stop();
    }
  });
});
