import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AckTraceFile } from '../../../electron/engine/ingest/ack-trace.ts';
import { startDaemon } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { hookPayload, RawClient } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const EVENTS = 40;
const SECRET_ISH = 'content-that-must-not-reach-the-trace';

/**
 * AEV_TRACE_ACKS (docs/performance.md, "Where an ack's tail goes"): a real daemon stamps each event from
 * submit to ack and writes the times, and only the times, when it stops.
 */
describe('aev daemon with AEV_TRACE_ACKS', () => {
  const work = makeTempDir('aev-ack-trace-');
  afterAll(() => {
    work.cleanup();
  });

  it('writes one span per acknowledged event, in order, 0600, without any event content', async () => {
    const file = path.join(work.dir, 'trace.json');
    let daemon: DaemonProcess | null = await startDaemon(path.join(work.dir, 'data'), { AEV_TRACE_ACKS: file });
    try {
      const agent = await RawClient.hello(daemon.paths.socketPath);
      for (let i = 0; i < EVENTS; i++) {
        agent.send({
          type: 'event',
          id: `e${i}`,
          event: {
            agent: 'claude-code',
            payload: hookPayload('trace', 'PreToolUse', {
              tool_name: 'Bash',
              tool_use_id: `tu${i}`,
              tool_input: { command: SECRET_ISH },
            }),
          },
        });
        // Every other event waits for its ack: both lone events and small batches are traced.
        if (i % 2 === 1) expect((await agent.waitFor((f) => f.id === `e${i}`)).type).toBe('ack');
      }
      agent.close();
      expect(fs.existsSync(file), 'written at stop, not before').toBe(false);
      expect(await daemon.stop()).toBe(0);
      daemon = null;
    } finally {
      await daemon?.stop();
    }
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET_ISH);
    const trace = JSON.parse(text) as AckTraceFile;
    expect(trace.v).toBe(1);
    expect(trace.origin).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(trace.spans).toHaveLength(EVENTS);
    for (const s of trace.spans) {
      const times = [s.submitted, s.committed, s.flushStarted, s.flushEnded, s.acknowledged];
      expect(times.every((t) => typeof t === 'number')).toBe(true);
      expect(
        [...(times as number[])].sort((a, b) => a - b),
        JSON.stringify(s),
      ).toEqual(times);
      expect(s.flushesAhead).toBeGreaterThanOrEqual(0);
    }
    // Acks keep commit order: each event is acknowledged no earlier than the one before it.
    const acked = trace.spans.map((s) => s.acknowledged ?? 0);
    expect([...acked].sort((a, b) => a - b)).toEqual(acked);
    for (const [kind, from, to] of trace.marks) {
      expect(['gc', 'hold', 'seal']).toContain(kind);
      expect(to).toBeGreaterThanOrEqual(from);
    }
  }, 60_000);
});
