import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AckFrame } from '../../../electron/common/protocol/frames.ts';
import { startDaemon } from '../../helpers/daemon-process.ts';
import { hookPayload, testClient } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

describe('durability of acknowledged events', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('keeps every acknowledged event when the daemon is killed -9 in the middle of ingest', async () => {
    const dataRoot = path.join(tmp.dir, 'data');
    const daemon = await startDaemon(dataRoot);
    const acked: AckFrame[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      const client = await testClient(daemon.paths.socketPath, 'ingest');
      try {
        for (let i = 0; ; i++) {
          // Keep a window of 50 in flight so the kill lands mid-batch.
          const batch = Array.from({ length: 50 }, (_, j) =>
            client.sendEvent(
              {
                agent: 'claude-code',
                payload: hookPayload(`crash-${w}`, 'Notification', { message: 'm', i: i * 50 + j }),
              },
              5000,
            ),
          );
          const settled = await Promise.allSettled(batch);
          for (const s of settled) if (s.status === 'fulfilled') acked.push(s.value);
          if (settled.some((s) => s.status === 'rejected')) return;
        }
      } catch {
        // connection refused after the kill: expected
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await daemon.kill9();
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(500);

    const restarted = await startDaemon(dataRoot);
    expect(restarted.stdout()).toContain('did not stop cleanly');
    const control = await testClient(restarted.paths.socketPath, 'control', 10_000);
    const stored = new Set<string>();
    for (const sessionId of new Set(acked.map((a) => a.sessionId))) {
      const detail = (await control.request('sessions.show', { id: sessionId }, 10_000)) as {
        events: { id: string; seq: number }[];
      };
      detail.events.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        stored.add(e.id);
      });
    }
    control.close();
    const lost = acked.filter((a) => !stored.has(a.eventId));
    expect(lost).toEqual([]);
    expect(await restarted.stop()).toBe(0);
  }, 60_000);

  it('finishes and acknowledges in-flight events on SIGTERM, then exits 0 and marks the stop clean', async () => {
    const dataRoot = path.join(tmp.dir, 'data2');
    const daemon = await startDaemon(dataRoot);
    const client = await testClient(daemon.paths.socketPath, 'ingest');
    const inFlight = Array.from({ length: 500 }, (_, i) =>
      client.sendEvent({ agent: 'claude-code', payload: hookPayload('term', 'Notification', { i }) }, 10_000),
    );
    const code = daemon.stop();
    const results = await Promise.allSettled(inFlight);
    expect(await code).toBe(0);
    const acked = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Every frame gets an answer: an ack, or a coded refusal once shutdown began; never silence.
    for (const r of refused) expect(String(r.reason)).toMatch(/shutting down|closed the connection/);
    const again = await startDaemon(dataRoot);
    expect(again.stdout()).not.toContain('did not stop cleanly');
    const control = await testClient(again.paths.socketPath, 'control');
    const status = (await control.request('status', {}, 5000)) as { ingest: { eventsTotal: number } };
    control.close();
    expect(status.ingest.eventsTotal).toBe(acked);
    await again.stop();
  }, 60_000);
});
