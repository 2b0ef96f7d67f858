import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

describe('settings.json', () => {
  const tmp = makeTempDir();
  let tsa: OpensslTsa;
  beforeAll(async () => {
    tsa = await startOpensslTsa();
  });
  afterAll(async () => {
    await tsa.close();
    tmp.cleanup();
  });

  function envWithoutTsa(dataRoot: string): NodeJS.ProcessEnv {
    return testEnv(dataRoot, { AEV_TSA_URLS: '' });
  }

  it('configures the TSAs, their trust store and the window length; the environment still wins', async () => {
    const dataRoot = path.join(tmp.dir, 'configured');
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    const trust = path.join(tmp.dir, 'root.pem');
    fs.writeFileSync(trust, tsa.rootPem);
    fs.writeFileSync(
      path.join(dataRoot, 'settings.json'),
      JSON.stringify({ tsa: { urls: [tsa.url], trustFile: trust }, windowMs: 300 }),
    );
    const d = await startDaemon(dataRoot, { AEV_TSA_URLS: '' });
    const status = JSON.parse((await runAev(['status', '--json'], testEnv(dataRoot))).stdout) as {
      sealing: { windowMs: number; tsa: { enabled: boolean; tsas: { url: string }[] } };
    };
    expect(status.sealing.windowMs).toBe(300);
    expect(status.sealing.tsa.tsas.map((t) => t.url)).toEqual([tsa.url]);
    await d.stop();
    const overridden = await startDaemon(dataRoot);
    const off = JSON.parse((await runAev(['status', '--json'], testEnv(dataRoot))).stdout) as {
      sealing: { tsa: { enabled: boolean } };
    };
    expect(off.sealing.tsa.enabled).toBe(false);
    await overridden.stop();
  }, 60_000);

  it('refuses a settings file it cannot trust, saying which field is wrong', async () => {
    const dataRoot = path.join(tmp.dir, 'bad');
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dataRoot, 'settings.json'), JSON.stringify({ tsa: { urls: ['ftp://tsa.example'] } }));
    const r = await runAev(['daemon'], envWithoutTsa(dataRoot));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('settings.json: tsa.urls.0');
    expect(r.stderr).toContain('E_CONFIG');
  }, 30_000);
});
