import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, verifyDataRoot } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { chainRecords, seededRandom, startHookLoad, startTerminalLoad } from './fault-load.ts';

/** 6 kills in CI; AEV_FAULT_ITERATIONS for a longer hunt, AEV_FAULT_SEED to replay a failing run. */
const ITERATIONS = Number(process.env.AEV_FAULT_ITERATIONS ?? 6);
const SEED = Number(process.env.AEV_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WINDOW_MS = 300;

describe('kill -9 at random points (real daemon, openssl TSA, hooks and a terminal in flight)', () => {
  const tmp = makeTempDir('aev-kill9-');
  let tsa: OpensslTsa;
  beforeAll(async () => {
    // 'slow' holds each stamp 250 ms, so a kill often lands while a TSA request is in flight.
    tsa = await startOpensslTsa({ slowMs: 250 });
  });
  afterAll(async () => {
    await tsa.close();
    tmp.cleanup();
  });

  it(`loses no acknowledged event, verifies, and gaps every open session (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const dataRoot = path.join(tmp.dir, 'data');
    const env = { AEV_WINDOW_MS: String(WINDOW_MS), AEV_TSA_URLS: tsa.url, AEV_TSA_TRUST: tsa.rootPath };
    const log: string[] = [];
    let lateGaps = 0;
    for (let round = 0; round < ITERATIONS; round++) {
      await tsa.setMode(round % 2 === 0 ? 'slow' : 'ok');
      const daemon = await startDaemon(dataRoot, env);
      const tsaRequestsBefore = tsa.requestCount();
      const hooks = startHookLoad(
        daemon.paths.socketPath,
        [`k9-${round}-a`, `k9-${round}-b`, `k9-${round}-c`],
        1 + Math.floor(random() * 16),
      );
      const terminal = await startTerminalLoad(daemon.paths.socketPath, `t_k9_${round}`);
      const delay = 150 + Math.floor(random() * 2200);
      await new Promise((r) => setTimeout(r, delay));
      const tsaRequestsAtKill = tsa.requestCount();
      const killedAt = new Date().toISOString();
      await daemon.kill9();
      await hooks.done;
      await terminal.stop();

      const restarted = await startDaemon(dataRoot, env);
      try {
        expect(restarted.stdout()).toContain('did not stop cleanly');
        const db = openIndexFile(dataRoot, true);
        const storedEvents = new Set(
          db
            .prepare<[], { id: string }>('SELECT id FROM events')
            .all()
            .map((r) => r.id),
        );
        const termSession = terminal.sessionId();
        const storedMedia = new Set(
          db
            .prepare<[string], { seq: number }>('SELECT seq FROM media WHERE session_id = ?')
            .all(termSession ?? '')
            .map((r) => r.seq),
        );
        // Open at the kill: never ended, or ended by this restart (terminals do not survive their engine).
        const openAtKill = db
          .prepare<[string], { id: string }>('SELECT id FROM sessions WHERE ended_at IS NULL OR ended_at >= ?')
          .all(killedAt)
          .map((r) => r.id);
        db.close();

        const lostEvents = hooks.result.acked.filter((a) => !storedEvents.has(a.eventId));
        expect(lostEvents, `seed ${SEED} round ${round}: acknowledged events missing`).toEqual([]);
        const lostMedia = terminal.ackedMedia.filter((seq) => !storedMedia.has(seq));
        expect(lostMedia, `seed ${SEED} round ${round}: acknowledged terminal chunks missing`).toEqual([]);

        // Every session this round wrote to was open at the kill, and every open one has the outage on record.
        const touched = new Set([...hooks.result.acked.map((a) => a.sessionId), ...(termSession ? [termSession] : [])]);
        for (const id of touched) expect(openAtKill).toContain(id);
        const records = chainRecords(dataRoot);
        for (const id of openAtKill) {
          const gaps = (records.get(id) ?? []).filter(
            (r) => r.kind === 'gap' && r.gap?.reason === 'engine-unclean-stop' && r.sealedAt >= killedAt,
          );
          expect(gaps, `seed ${SEED} round ${round}: session ${id} has no gap for the kill`).toHaveLength(1);
          // Where the gap starts is checked by the focused test below (a known bug); here it is counted.
          if (gaps[0]!.from > killedAt) lateGaps++;
        }
        log.push(
          `round ${round}: kill after ${delay} ms, ${hooks.result.acked.length} events + ${terminal.ackedMedia.length} terminal chunks acked, ` +
            `${tsaRequestsAtKill - tsaRequestsBefore} TSA requests before the kill (TSA ${round % 2 === 0 ? 'slow' : 'fast'}), ${openAtKill.length} sessions gapped`,
        );
      } finally {
        expect(await restarted.stop()).toBe(0);
      }
      const report = await verifyDataRoot(dataRoot, tsa.rootPem, true);
      const failures = report.items.filter((i) => i.status === 'fail');
      expect(failures, `seed ${SEED} round ${round}: verify failed`).toEqual([]);
    }
    console.log(
      `kill -9 loop, seed ${SEED}:\n  ${log.join('\n  ')}\n  gaps starting after the kill (outage sealed as a window): ${lateGaps}`,
    );
  }, 150_000);

  // Was a bug (fixed): after an unclean stop, SealService.recoverAfterUncleanStop seals the events that were
  // acknowledged but not yet sealed with WindowSealer.sealDue(), whose record ends at `to = clock.now()`,
  // i.e. at the restart. The downtime is then covered by a *window* record, and the engine-unclean-stop
  // gap that follows spans only the few milliseconds of recovery (invariant I4: the outage is not the gap).
  // The recovery window should end at its last event's (or media item's) receive time, and the gap run
  // from there to the restart.
  it('puts the downtime itself into the engine-unclean-stop gap when acknowledged events were unsealed at the kill', async () => {
    const dataRoot = path.join(tmp.dir, 'late-gap');
    // A long window: the events are acknowledged (durable) but not yet sealed when the engine dies.
    const env = { AEV_WINDOW_MS: '60000' };
    const daemon = await startDaemon(dataRoot, env);
    const hooks = startHookLoad(daemon.paths.socketPath, ['late-gap'], 4);
    await new Promise((r) => setTimeout(r, 500));
    await hooks.stop();
    expect(hooks.result.acked.length).toBeGreaterThan(0);
    const killedAt = new Date().toISOString();
    await daemon.kill9();
    await new Promise((r) => setTimeout(r, 1500));
    const restarted = await startDaemon(dataRoot, env);
    expect(await restarted.stop()).toBe(0);
    const records = chainRecords(dataRoot).get(hooks.result.acked[0]!.sessionId) ?? [];
    const gap = records.find((r) => r.gap?.reason === 'engine-unclean-stop');
    const sealing = records.find((r) => r.events.count > 0);
    expect(sealing?.events.count).toBe(hooks.result.acked.length);
    // The window that seals the pre-kill events ends before the kill; the gap spans the downtime.
    expect(sealing!.to <= killedAt, `window ${sealing!.from}..${sealing!.to}, killed at ${killedAt}`).toBe(true);
    expect(gap!.from <= killedAt, `gap ${gap!.from}..${gap!.to}, killed at ${killedAt}`).toBe(true);
  });
});
