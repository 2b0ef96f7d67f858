import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { hookPayload } from '../../helpers/raw-client.ts';
import { openIndexFile } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

describe('aev verify, aev keys, gaps on record', () => {
  const tmp = makeTempDir();
  let tsa: OpensslTsa;
  let env: (dataRoot: string) => NodeJS.ProcessEnv;
  beforeAll(async () => {
    tsa = await startOpensslTsa();
    const trust = path.join(tmp.dir, 'tsa-root.pem');
    fs.writeFileSync(trust, tsa.rootPem);
    env = (dataRoot) => testEnv(dataRoot, { AEV_TSA_URLS: tsa.url, AEV_TSA_TRUST: trust, AEV_WINDOW_MS: '300' });
  });
  afterAll(async () => {
    await tsa.close();
    tmp.cleanup();
  });

  async function hook(dataRoot: string, session: string, kind: string): Promise<void> {
    const r = await runAev(
      ['hook'],
      env(dataRoot),
      JSON.stringify(
        hookPayload(session, kind, { tool_name: 'Bash', tool_use_id: 'x', tool_input: {}, tool_response: {} }),
      ),
    );
    expect(r.code).toBe(0);
  }

  async function settled(dataRoot: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const s = JSON.parse((await runAev(['status', '--json'], env(dataRoot))).stdout) as {
        sealing: { unsealedEvents: number; tsa: { pending: number } };
      };
      if (s.sealing.unsealedEvents === 0 && s.sealing.tsa.pending === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('not sealed and stamped in time');
  }

  it('verifies a recorded session end to end (exit 0) and fails (exit 1) naming the item after tampering', async () => {
    const dataRoot = path.join(tmp.dir, 'verify');
    const d = await startDaemon(dataRoot, env(dataRoot) as Record<string, string>);
    await hook(dataRoot, 'cli-s', 'PreToolUse');
    await hook(dataRoot, 'cli-s', 'PostToolUse');
    await settled(dataRoot);
    const ok = await runAev(['verify', '--all'], env(dataRoot));
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('VERIFIED: ');
    const json = JSON.parse((await runAev(['verify', '--all', '--json'], env(dataRoot))).stdout) as {
      ok: boolean;
      counts: { fail: number };
    };
    expect(json).toMatchObject({ ok: true, counts: { fail: 0 } });
    await d.stop();
    const db = openIndexFile(dataRoot);
    db.prepare('UPDATE events SET digest = zeroblob(32) WHERE seq = 1').run();
    db.close();
    const bad = await runAev(['verify', '--all'], env(dataRoot));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}session s_\S+ event 1: EVENT_DIGEST/);
    expect(bad.stdout).toContain('NOT VERIFIED');
  }, 60_000);

  it('prints the device key so ssh-keygen agrees on its fingerprint', async () => {
    const dataRoot = path.join(tmp.dir, 'keys');
    const d = await startDaemon(dataRoot, env(dataRoot) as Record<string, string>);
    await d.stop();
    const shown = JSON.parse((await runAev(['keys', 'show', '--json'], env(dataRoot))).stdout) as {
      fingerprint: string;
      allowedSigners: string;
    };
    const printed = spawnSync('ssh-keygen', ['-l', '-f', path.join(dataRoot, 'device.pub')]).stdout.toString();
    expect(printed).toContain(shown.fingerprint);
    expect(shown.allowedSigners).toMatch(/^aev-device namespaces="agent-evidence" ssh-ed25519 /);
  }, 30_000);

  it('puts a kill -9 on record as a signed gap after restart, and the chain still verifies', async () => {
    const dataRoot = path.join(tmp.dir, 'crash');
    const d = await startDaemon(dataRoot, env(dataRoot) as Record<string, string>);
    await hook(dataRoot, 'crash-s', 'PreToolUse');
    await settled(dataRoot);
    await d.kill9();
    const again = await startDaemon(dataRoot, env(dataRoot) as Record<string, string>);
    await settled(dataRoot);
    const db = openIndexFile(dataRoot, true);
    const gaps = db
      .prepare<[], { record: Buffer }>("SELECT record FROM chain_records WHERE kind = 'gap'")
      .all()
      .map((r) => JSON.parse(r.record.toString()) as { gap: { reason: string } });
    db.close();
    expect(gaps.map((g) => g.gap.reason)).toContain('engine-unclean-stop');
    const v = await runAev(['verify', '--all'], env(dataRoot));
    expect(v.code, v.stdout).toBe(0);
    await again.stop();
  }, 60_000);

  it('records a pause as a signed gap with its reason, and denies fail-closed tool calls meanwhile', async () => {
    const dataRoot = path.join(tmp.dir, 'pause');
    const d = await startDaemon(dataRoot, env(dataRoot) as Record<string, string>);
    await hook(dataRoot, 'pause-s', 'SessionStart');
    expect((await runAev(['pause'], env(dataRoot))).code).toBe(2);
    expect((await runAev(['pause', '--reason', 'lunch break'], env(dataRoot))).code).toBe(0);
    const denied = await runAev(
      ['hook', '--policy', 'fail-closed'],
      env(dataRoot),
      JSON.stringify(hookPayload('pause-s', 'PreToolUse', { tool_name: 'Bash', tool_use_id: 'p', tool_input: {} })),
    );
    expect(denied.stdout).toContain('"deny"');
    const resumed = await runAev(['resume'], env(dataRoot));
    expect(resumed.stdout).toContain('1 open session');
    await settled(dataRoot);
    const db = openIndexFile(dataRoot, true);
    const gap = db.prepare<[], { record: Buffer }>("SELECT record FROM chain_records WHERE kind = 'gap'").get();
    db.close();
    expect(JSON.parse(gap!.record.toString())).toMatchObject({ gap: { reason: 'paused' } });
    expect(gap!.record.toString()).toContain('lunch break');
    expect((await runAev(['verify', '--all'], env(dataRoot))).code).toBe(0);
    await d.stop();
  }, 60_000);
});
