import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../electron/engine/runtime/clock.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import type { Logger } from '../../../electron/engine/runtime/logger.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, sendEvents, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { chainRecords, startHookLoad } from './fault-load.ts';

const HOUR = 3_600_000;

/**
 * A wall clock that can be stepped like an NTP step or a user changing the time; monotonic time runs
 * on untouched (libfaketime is not available here, so the engine runs in this process with it injected).
 */
function steppedClock(): { clock: Clock; step: (deltaMs: number) => void } {
  let offset = 0;
  return {
    clock: { now: () => Date.now() + offset, monoUs: () => systemClock.monoUs() },
    step: (deltaMs) => {
      offset += deltaMs;
    },
  };
}

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string, f?: Readonly<Record<string, unknown>>) => {
    lines.push(`${level} ${m} ${f === undefined ? '' : JSON.stringify(f)}`);
  };
  return { logger: { info: push('info'), warn: push('warn'), error: push('error') }, lines };
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('wall-clock jumps (engine in process with an injected clock)', () => {
  let tsa: OpensslTsa;
  beforeAll(async () => {
    tsa = await startOpensslTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });

  it('keeps event order and forward-running coverage through a 1 h jump back and a 1 h jump forward, and verifies', async () => {
    const { clock, step } = steppedClock();
    const { logger, lines } = capturingLogger();
    const t = await startTestEngine({
      clock,
      logger,
      windowMs: 300,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
    });
    try {
      const load = startHookLoad(t.info.socketPath, ['jumpy'], 2, 15);
      await pause(900);
      step(-HOUR);
      await pause(900);
      step(HOUR);
      await pause(900);
      step(HOUR);
      await pause(900);
      await load.stop();
      expect(load.result.refused.size).toBe(0);
      await until(() => t.engine.status().sealing.unsealedEvents === 0, 5000, 'events sealed');
      await until(() => t.engine.status().sealing.tsa.pending === 0, 10_000, 'time-stamps');
      await t.engine.stop();

      const sessionId = load.result.acked[0]!.sessionId;
      const db = openIndexFile(t.dataRoot, true);
      const events = db
        .prepare<[string], { seq: number; received_at: string; received_mono_us: number }>(
          'SELECT seq, received_at, received_mono_us FROM events WHERE session_id = ? ORDER BY seq',
        )
        .all(sessionId);
      db.close();
      // Order is seq and monotonic receive time, whatever the wall clock did.
      expect(events.length).toBe(load.result.acked.length);
      events.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        if (i > 0) expect(e.received_mono_us).toBeGreaterThan(events[i - 1]!.received_mono_us);
      });
      // The jump back is in the receive times themselves (wall clock, as received).
      expect(events.some((e, i) => i > 0 && e.received_at < events[i - 1]!.received_at)).toBe(true);

      const records = chainRecords(t.dataRoot).get(sessionId) ?? [];
      records.forEach((r, i) => {
        expect(r.to >= r.from, `record ${r.seq}: ${r.from}..${r.to}`).toBe(true);
        if (i > 0) expect(r.from).toBe(records[i - 1]!.to);
      });
      // Sealed events cover exactly what was acknowledged, window after window.
      expect(records.reduce((n, r) => n + r.events.count, 0)).toBe(events.length);
      // The jump back is on record (sealedAt earlier than the clamped `to`) and in the log.
      const clamped = records.filter((r) => r.sealedAt < r.to);
      expect(clamped.length).toBeGreaterThan(0);
      expect(lines.some((l) => l.startsWith('warn wall clock is behind'))).toBe(true);
      // The jump forward shows as one record spanning about an hour.
      expect(records.some((r) => Date.parse(r.to) - Date.parse(r.from) > HOUR / 2)).toBe(true);
      console.log(
        `clock jumps: ${events.length} events, ${records.length} records, ${clamped.length} clamped by the jump back, ` +
          `longest record ${Math.max(...records.map((r) => Date.parse(r.to) - Date.parse(r.from)))} ms`,
      );

      const report = await verifyDataRoot(t.dataRoot, tsa.rootPem, false);
      expect(report.items.filter((i) => i.status !== 'pass')).toEqual([]);
      expect(report.counts.pass).toBeGreaterThanOrEqual(records.length);
    } finally {
      await t.dispose();
    }
  });

  // Was a bug (fixed): the idle sweeper in createEngine compares SessionTracker's lastEventAtMs (wall clock)
  // with clock.now() - sessionIdleMs. A wall clock stepped forward by more than the idle timeout (NTP
  // step, resume from suspend with a corrected clock, a user fixing the time) ends every session that
  // was quiet at that moment as 'idle' although it was quiet for seconds; the agent's next event then
  // starts a second session, splitting one agent session into two chains. Runtime.Clock says durations
  // use monotonic time: within one run, idleness should be measured with monoUs (wall clock only for
  // sessions loaded from a previous run).
  it('does not end a session as idle because the wall clock jumped forward', async () => {
    const { clock, step } = steppedClock();
    // Idle after 20 s; the sweeper runs every 5 s. The session is quiet for about 7 s in real time.
    const t = await startTestEngine({ clock, windowMs: 300, tsa: null, sessionIdleMs: 20_000 });
    try {
      const [first] = await sendEvents(t.info.socketPath, 'quiet-then-jump', 1);
      step(HOUR);
      await pause(6500);
      const [next] = await sendEvents(t.info.socketPath, 'quiet-then-jump', 1);
      expect(next!.sessionId).toBe(first!.sessionId);
    } finally {
      await t.dispose();
    }
  }, 20_000);
});
