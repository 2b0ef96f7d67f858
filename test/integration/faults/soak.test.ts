import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/** 60 s in CI; AEV_SOAK_SECONDS=1800 for the real 30-minute soak. */
const SECONDS = Number(process.env.AEV_SOAK_SECONDS ?? 60);

interface SoakResult {
  readonly checks: readonly { name: string; ok: boolean; value: string }[];
  readonly samples: readonly { atS: number; rssKiB: number; fds: number }[];
  readonly screen: boolean;
}

describe('soak (bench/soak.ts, shortened)', () => {
  const tmp = makeTempDir('aev-soak-test-');
  afterAll(() => {
    tmp.cleanup();
  });

  it(
    `8 agents for ${SECONDS} s: no fd growth, bounded RSS growth, everything sealed, verifies`,
    async () => {
      const json = path.join(tmp.dir, 'soak.json');
      const args = ['bench/soak.ts', '--seconds', String(SECONDS), '--sample-ms', '3000', '--from-source'];
      const child = spawn(process.execPath, [...args, '--json', json], { cwd: REPO_ROOT, stdio: 'pipe' });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      console.log(output);
      expect(code, output).toBe(0);
      const result = JSON.parse(fs.readFileSync(json, 'utf8')) as SoakResult;
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      expect(result.samples.length).toBeGreaterThanOrEqual(Math.floor(SECONDS / 3));
    },
    (SECONDS + 90) * 1000,
  );
});
