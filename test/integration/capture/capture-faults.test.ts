import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainRecordBody } from '../../../electron/common/model/chain.ts';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { startDaemon } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { hookPayload, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile, verifyDataRoot } from '../../helpers/sealing.ts';
import { filesContaining, makeTempDir } from '../../helpers/temp-dir.ts';
import { hasProgram, runClient, startXvfb } from '../screen/x-server.ts';
import type { Xvfb } from '../screen/x-server.ts';

const canRun = hasProgram('Xvfb') && hasProgram('ffmpeg') && hasProgram('xsetroot');
const WINDOW_MS = 1000;

async function status(d: DaemonProcess): Promise<EngineStatus> {
  const c = await testClient(d.paths.socketPath, 'control');
  try {
    return (await c.request('status', {}, 5000)) as EngineStatus;
  } finally {
    c.close();
  }
}

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ffmpegOf(d: DaemonProcess): number | undefined {
  const out = spawnSync('pgrep', ['-P', String(d.child.pid), '-f', 'x11grab'], { encoding: 'utf8' }).stdout.trim();
  const pid = Number(out.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

function screenRecords(dataRoot: string): ChainRecordBody[] {
  const db = openIndexFile(dataRoot, true);
  try {
    return db
      .prepare<[], { record: Buffer }>(
        "SELECT c.record FROM chain_records c JOIN sessions s ON s.id = c.session_id WHERE s.kind = 'screen' ORDER BY c.session_id, c.seq",
      )
      .all()
      .map((r) => JSON.parse(r.record.toString('utf8')) as ChainRecordBody);
  } finally {
    db.close();
  }
}

describe.skipIf(!canRun)('capture faults (real daemon, Xvfb, ffmpeg)', () => {
  const tmp = makeTempDir('aev-capf-');
  let x: Xvfb;
  beforeAll(async () => {
    x = await startXvfb(1280, 720);
    runClient(x.display, 'xsetroot', ['-solid', '#336699']);
  });
  afterAll(async () => {
    await x.stop();
    tmp.cleanup();
  });

  const env = () => ({
    AEV_SCREEN: 'on',
    DISPLAY: x.display,
    AEV_WINDOW_MS: String(WINDOW_MS),
    AEV_SCREEN_GRACE_MS: '60000',
  });

  async function startRecording(dataRoot: string): Promise<DaemonProcess> {
    const d = await startDaemon(dataRoot, env());
    const c = await testClient(d.paths.socketPath, 'ingest');
    await c.sendEvent({ agent: 'claude-code', payload: hookPayload('faults', 'SessionStart') }, 5000);
    c.close();
    await waitFor('recording', async () => ((await status(d)).screen.state === 'recording' ? true : undefined));
    return d;
  }

  it('ffmpeg killed mid-recording: a signed capture-failed gap, then recording resumes with a new init segment', async () => {
    const dataRoot = path.join(tmp.dir, 'ffmpeg-killed');
    const d = await startRecording(dataRoot);
    try {
      const first = await waitFor('ffmpeg', () => Promise.resolve(ffmpegOf(d)));
      await new Promise((r) => setTimeout(r, 2500));
      process.kill(first, 'SIGKILL');
      const second = await waitFor('a new ffmpeg', () => {
        const pid = ffmpegOf(d);
        return Promise.resolve(pid !== undefined && pid !== first ? pid : undefined);
      });
      expect(second).not.toBe(first);
      await waitFor('recording again', async () => ((await status(d)).screen.state === 'recording' ? true : undefined));
      await new Promise((r) => setTimeout(r, 2500));
      const records = screenRecords(dataRoot);
      const gaps = records.filter((r) => r.kind === 'gap');
      expect(gaps).toHaveLength(1);
      expect(gaps[0]?.gap?.reason).toBe('capture-failed');
      expect(gaps[0]?.gap?.detail).toMatch(/signal SIGKILL/);
      // Media sealed after the gap: the restart's init segment and its fragments.
      const gapSeq = gaps[0]?.seq ?? 0;
      expect(records.some((r) => r.seq > gapSeq && r.media.count > 0)).toBe(true);
      const db = openIndexFile(dataRoot, true);
      const inits = db.prepare("SELECT COUNT(*) AS n FROM media WHERE kind = 'video-init'").get() as { n: number };
      db.close();
      expect(inits.n).toBe(2);
    } finally {
      await d.stop();
    }
    const report = await verifyDataRoot(dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
  });

  it('kill -9 of the daemon while recording: sealed windows verify, at most the open window is lost, the restart records the gap', async () => {
    const dataRoot = path.join(tmp.dir, 'daemon-killed');
    const d = await startRecording(dataRoot);
    const ffmpeg = await waitFor('ffmpeg', () => Promise.resolve(ffmpegOf(d)));
    await new Promise((r) => setTimeout(r, 4000));
    const killedAt = Date.now();
    await d.kill9();
    // ffmpeg loses its reader and ends on its own (EPIPE), leaving no orphan behind.
    await waitFor('ffmpeg to end', () =>
      Promise.resolve(spawnSync('kill', ['-0', String(ffmpeg)]).status === 0 ? undefined : true),
    );
    const before = screenRecords(dataRoot);
    const sealedUntil = Math.max(...before.filter((r) => r.media.count > 0).map((r) => Date.parse(r.sealedAt)));
    expect(killedAt - sealedUntil).toBeLessThanOrEqual(WINDOW_MS + 1500);

    const again = await startDaemon(dataRoot, { ...env(), AEV_SCREEN: 'off' });
    try {
      const after = screenRecords(dataRoot);
      const gap = after.find((r) => r.kind === 'gap');
      expect(gap?.gap?.reason).toBe('engine-unclean-stop');
      // The recording did not survive its engine: its chain ends right after the gap.
      expect(after.at(-1)?.final).toBe(true);
    } finally {
      await again.stop();
    }
    const report = await verifyDataRoot(dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
    // No plaintext video anywhere under the data root: no MP4 box types, no PNG signature.
    for (const needle of ['ftypisom', 'moof', 'mdat', '\u0089PNG'])
      expect(filesContaining(dataRoot, needle)).toEqual([]);
  });

  it('aev pause stops the recording at once and resume starts a new one; the pause is a signed gap in the agent session', async () => {
    const dataRoot = path.join(tmp.dir, 'paused');
    const d = await startRecording(dataRoot);
    try {
      const first = (await status(d)).screen.recordingId;
      const control = await testClient(d.paths.socketPath, 'control');
      await control.request('recording.pause', { reason: 'lunch' }, 5000);
      await waitFor(
        'recording to stop',
        async () => ((await status(d)).screen.state === 'idle' ? true : undefined),
        3000,
      );
      await control.request('recording.resume', {}, 5000);
      const second = await waitFor('a new recording', async () => {
        const s = await status(d);
        return s.screen.state === 'recording' && s.screen.recordingId !== first ? s.screen.recordingId : undefined;
      });
      control.close();
      expect(second).not.toBe(first);
      const db = openIndexFile(dataRoot, true);
      const gaps = db
        .prepare<[], { record: Buffer }>(
          "SELECT c.record FROM chain_records c JOIN sessions s ON s.id = c.session_id WHERE s.kind = 'agent' AND c.kind = 'gap'",
        )
        .all()
        .map((r) => JSON.parse(r.record.toString('utf8')) as ChainRecordBody);
      const ended = db
        .prepare<[string], { end_reason: string }>('SELECT end_reason FROM sessions WHERE id = ?')
        .get(first ?? '');
      db.close();
      expect(gaps.map((g) => g.gap?.reason)).toEqual(['paused']);
      expect(gaps[0]?.gap?.detail).toContain('lunch');
      expect(ended?.end_reason).toBe('recording-stopped');
    } finally {
      await d.stop();
    }
  });
});
