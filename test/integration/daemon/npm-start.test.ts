import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installedElectronBinary } from '../../../build/start-app.ts';
import { testEnv } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe.skipIf(installedElectronBinary(ROOT) !== null)('npm start without the Electron binary', () => {
  const tmp = makeTempDir('aev-npmstart-');
  afterAll(() => {
    tmp.cleanup();
  });

  it('says why in one line, runs the headless engine, and stops it cleanly on SIGTERM', async () => {
    const dataRoot = path.join(tmp.dir, 'home');
    const child = spawn(process.execPath, [path.join(ROOT, 'build', 'start-app.ts')], {
      env: testEnv(dataRoot),
      stdio: 'pipe',
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; !out.includes('aev: ready'); i++) {
        if (i > 400) throw new Error(`no ready line\nstdout: ${out}\nstderr: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(err).toContain('the Electron binary is not installed here');
      expect(err).toContain('aev daemon');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
