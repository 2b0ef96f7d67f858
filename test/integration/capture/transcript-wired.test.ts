import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hookPayload, RawClient } from '../../helpers/raw-client.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { filesContaining } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

describe('the engine follows transcript_path', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('captures what the agent appended since its last event, sealed in the agent session', async () => {
    t = await startTestEngine({ windowMs: 200, tsa: null });
    const transcript = path.join(path.dirname(t.dataRoot), 'session.jsonl');
    fs.writeFileSync(transcript, '{"type":"user","text":"wire-transcript-marker one"}\n');
    const c = await RawClient.hello(t.info.socketPath);
    const send = async (id: string, kind: string, extra: Record<string, unknown> = {}) => {
      c.send({
        type: 'event',
        id,
        event: { agent: 'claude-code', payload: hookPayload('wired', kind, { transcript_path: transcript, ...extra }) },
      });
      const answer = (await c.waitFor((f) => f.id === id)) as { type: string; sessionId: string };
      expect(answer.type, JSON.stringify(answer)).toBe('ack');
      return answer;
    };
    const { sessionId } = await send('a', 'SessionStart');
    const db = openIndexFile(t.dataRoot, true);
    const counts = () =>
      db
        .prepare<[string], { media_count: number; sealed_media: number }>(
          'SELECT media_count, sealed_media FROM sessions WHERE id = ?',
        )
        .get(sessionId);
    // The read follows the ack (it never delays it): the agent writes on after the first chunk is in.
    await until(() => counts()?.media_count === 1, 10_000, 'the first transcript chunk');
    fs.appendFileSync(transcript, '{"type":"assistant","text":"two"}\n{"type":"assistant","text":"thr');
    await send('b', 'UserPromptSubmit', { prompt: 'go on' });
    c.close();
    await until(
      () => counts()?.media_count === 2 && counts()?.sealed_media === 2,
      10_000,
      'two sealed transcript chunks',
    );
    const infos = db
      .prepare<[string], { descriptor: Buffer }>(
        "SELECT descriptor FROM media WHERE session_id = ? AND kind = 'transcript' ORDER BY seq",
      )
      .all(sessionId)
      .map((r) => (JSON.parse(r.descriptor.toString()) as { info: { offset: number; length: number } }).info);
    db.close();
    // Whole lines only: the half-written third line waits for the next event.
    expect(infos).toEqual([
      { offset: 0, length: 52 },
      { offset: 52, length: 34 },
    ]);
    expect(filesContaining(t.dataRoot, 'wire-transcript-marker')).toEqual([]);
    const report = await verifyDataRoot(t.dataRoot, '', true);
    expect(report.counts.fail).toBe(0);
  });
});
