import type { EngineLink } from './capture-protocol.ts';
import type { PageStatus } from './page-status.ts';
import { RunRecorder } from './run-recorder.ts';
import type { ScreenPick } from './screen-stream.ts';

/**
 * The page's whole life: follow the engine's control. A new run order starts a recorder; a withdrawn
 * or replaced one stops it (the last fragment goes out first). A run this page already ended, cleanly
 * or not, is never started again: after a failure the engine records the gap and orders a new run.
 */
export async function followEngine(link: EngineLink, pick: ScreenPick, status: PageStatus): Promise<never> {
  let version = -1;
  let current: RunRecorder | null = null;
  const seen = new Set<string>();
  status.set('idle', 'waiting for an agent session');
  for (;;) {
    const control = await link.nextControl(version);
    version = control.version;
    const wanted = control.run;
    if (current !== null && current.order.id !== wanted?.id) {
      // It finishes on its own (last fragment, then `ended`); the loop keeps following meanwhile.
      current.stop();
      current = null;
    }
    if (wanted === null || current !== null || seen.has(wanted.id)) continue;
    seen.add(wanted.id);
    const recorder = RunRecorder.start(wanted, { link, pick, status });
    current = recorder;
    void recorder.done.then((failure) => {
      if (current === recorder) current = null;
      if (failure === null) status.set('idle', 'waiting for an agent session');
      else status.set('failed', failure);
    });
  }
}
