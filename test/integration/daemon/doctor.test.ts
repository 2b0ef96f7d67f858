import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

describe('aev doctor', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('says what to do for each check that is not ok, and checks the running engine’s socket', async () => {
    const dataRoot = path.join(tmp.dir, 'doc');
    const before = await runAev(['doctor'], testEnv(dataRoot));
    expect(before.stdout).toMatch(/warn {2}vault +no vault in .+\n +→ run `aev init`/);
    expect(before.stdout).toMatch(/warn {2}engine +not running .+\n +→ start `aev daemon` or the app/);
    expect(before.stdout).toMatch(/ ok +node +Node \d+/);
    const d = await startDaemon(dataRoot);
    try {
      const after = await runAev(['doctor'], testEnv(dataRoot));
      expect(after.stdout).toMatch(/ ok +engine +answering on /);
      expect(after.stdout).toMatch(/ ok +socket +folder 700, socket 600: yours alone/);
      expect(after.stdout).toMatch(/ ok +screen +off \(AEV_SCREEN=off\)/);
      // Screen capture on without an X display: the check fails and says why and what to do.
      const noDisplay = await runAev(['doctor'], { ...testEnv(dataRoot), AEV_SCREEN: 'on', DISPLAY: '' });
      expect(noDisplay.stdout).toMatch(/FAIL +screen +.*DISPLAY/);
      expect(noDisplay.stdout).toMatch(/→ .*AEV_SCREEN=off/);
      expect(after.stdout).toMatch(/warn {2}tsa +time-stamping is off/);
    } finally {
      await d.stop();
    }
  }, 60_000);
});
