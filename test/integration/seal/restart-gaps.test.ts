import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChainRecordBody } from '../../../electron/common/model/chain.ts';
import { startDaemon } from '../../helpers/daemon-process.ts';
import { hookPayload, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile, verifyDataRoot } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

function gaps(dataRoot: string): ChainRecordBody['gap'][] {
  const db = openIndexFile(dataRoot, true);
  try {
    return db
      .prepare<[], { record: Buffer }>("SELECT record FROM chain_records WHERE kind = 'gap' ORDER BY sealed_at")
      .all()
      .map((r) => (JSON.parse(r.record.toString('utf8')) as ChainRecordBody).gap);
  } finally {
    db.close();
  }
}

describe('a clean stop is a hole in the recording too (invariant I4)', () => {
  const tmp = makeTempDir('aev-restart-');
  afterAll(() => {
    tmp.cleanup();
  });

  it('puts the downtime between a clean stop and the next start on record, and a pause the stop ended', async () => {
    const dataRoot = path.join(tmp.dir, 'home');
    const env = { AEV_WINDOW_MS: '300' };
    const first = await startDaemon(dataRoot, env);
    const ingest = await testClient(first.paths.socketPath, 'ingest');
    await ingest.sendEvent({ agent: 'claude-code', payload: hookPayload('restart-s', 'SessionStart') }, 5000);
    ingest.close();
    expect(await first.stop()).toBe(0);
    expect(gaps(dataRoot)).toEqual([]);

    const second = await startDaemon(dataRoot, env);
    expect(gaps(dataRoot)).toEqual([
      { reason: 'engine-stopped', detail: expect.stringMatching(/^the engine was stopped from .+ to .+$/) as unknown },
    ]);
    const control = await testClient(second.paths.socketPath, 'control');
    await control.request('recording.pause', { reason: 'meeting' }, 5000);
    control.close();
    expect(await second.stop()).toBe(0);
    expect(gaps(dataRoot).map((g) => g?.reason)).toEqual(['engine-stopped', 'paused']);
    expect(gaps(dataRoot)[1]?.detail).toMatch(/until the engine stopped at .+: meeting$/);

    const report = await verifyDataRoot(dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
  });
});
