import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, SettingsView } from '../../../electron/common/ipc/app-views.ts';
import type { Result } from '../../../electron/common/result.ts';
import type { SessionWindows, StillAnswer, TerminalCast } from '../../../electron/common/protocol/control-answers.ts';
import { createAppHostContext, socketControl } from '../../../electron/engine/app-host/app-host-context.ts';
import type { AppHostContext } from '../../../electron/engine/app-host/app-host-context.ts';
import { serveAppCall } from '../../../electron/engine/app-host/serve-app-call.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { hookPayload, RawClient } from '../../helpers/raw-client.ts';
import { until } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';

/**
 * The app host as Electron main and `aev ui` call it: `serveAppCall` against a real engine (socket,
 * SQLite, vault) with time-stamping off, so every sealed window stays pending and says so.
 */
describe('serveAppCall (real engine, time-stamping off)', () => {
  const work = makeTempDir('aev-host-');
  const home = path.join(work.dir, 'home');
  let t: TestEngine;
  let ctx: AppHostContext;
  let sessionId = '';
  let terminalSessionId = '';
  const seqs: number[] = [];
  const stops: (() => unknown)[] = [];

  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const r = (await serveAppCall(method, params, ctx)) as Result<T>;
    if (!r.ok) throw new Error(`${method}: ${r.code} ${r.message}`);
    return r.value;
  };
  const refusal = async (method: string, params: unknown) => {
    const r = await serveAppCall(method, params, ctx);
    if (r.ok) throw new Error(`${method} was accepted`);
    return r;
  };
  const finished = async (job: string): Promise<JobView> => {
    let view = await call<JobView>('jobStatus', { job });
    while (view.state === 'running') {
      await new Promise((r) => setTimeout(r, 50));
      view = await call<JobView>('jobStatus', { job });
    }
    return view;
  };

  beforeAll(async () => {
    fs.mkdirSync(home, { recursive: true });
    t = await startTestEngine({ windowMs: 300, tsa: null });
    stops.push(() => t.dispose());
    const term = await RawClient.hello(t.info.socketPath);
    term.send({
      type: 'terminal.open',
      id: 'o',
      terminalId: 't_host',
      agent: 'claude-code',
      command: ['claude'],
      width: 100,
      height: 30,
      timestamp: Math.floor(Date.now() / 1000),
      env: { TERM: 'xterm-256color' },
      recordInput: false,
    });
    terminalSessionId = ((await term.waitFor((f) => f.id === 'o')) as { value: { sessionId: string } }).value.sessionId;
    term.send({ type: 'terminal.data', id: 'd1', terminalId: 't_host', events: [[0.25, 'o', 'hello\r\n']] });
    term.send({ type: 'terminal.data', id: 'd2', terminalId: 't_host', events: [[0.5, 'o', 'world\r\n']] });
    await term.waitFor((f) => f.id === 'd2');
    const agent = await RawClient.hello(t.info.socketPath);
    for (const [i, kind] of ['PreToolUse', 'PostToolUse'].entries()) {
      agent.send({
        type: 'event',
        id: `e${i}`,
        event: {
          agent: 'claude-code',
          terminalId: 't_host',
          payload: hookPayload('host-s', kind, {
            tool_name: 'Bash',
            tool_use_id: 'tu',
            tool_input: { command: 'ls' },
            ...(kind === 'PostToolUse' ? { tool_response: { stdout: 'a b' } } : {}),
          }),
        },
      });
      const ack = (await agent.waitFor((f) => f.id === `e${i}`)) as { type: string; sessionId: string; seq: number };
      expect(ack.type, JSON.stringify(ack)).toBe('ack');
      sessionId = ack.sessionId;
      seqs.push(ack.seq);
    }
    term.send({ type: 'terminal.close', id: 'c', terminalId: 't_host', exitCode: 0 });
    await term.waitFor((f) => f.id === 'c');
    agent.close();
    term.close();
    await until(() => t.engine.status().sealing.unsealedEvents === 0, 10_000, 'sealed');
    ctx = createAppHostContext({
      control: socketControl(t.info.socketPath),
      dataRoot: t.dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      env: { HOME: home, PATH: process.env.PATH },
      platform: 'linux',
    });
    stops.push(async () => {
      await ctx.jobs.idle();
      ctx.dispose();
    });
  });

  afterAll(async () => {
    try {
      for (const stop of stops.reverse()) await stop();
    } finally {
      work.cleanup();
    }
  });

  it('refuses unknown methods and arguments that break the contract, naming the field', async () => {
    expect(await refusal('dropTables', {})).toMatchObject({ code: 'E_UNKNOWN_METHOD' });
    const bad = await refusal('readStill', { session: sessionId, event: 'one' });
    expect(bad).toMatchObject({ code: 'E_SCHEMA' });
    expect(bad.message).toContain('event');
    expect(await refusal('showSession', { id: sessionId, extra: 1 })).toMatchObject({ code: 'E_SCHEMA' });
  });

  it('reads the terminal cast back, from its header, with the wall clock of cast time 0', async () => {
    const cast = await call<TerminalCast>('readTerminal', { session: terminalSessionId });
    const [header, ...lines] = cast.cast.trimEnd().split('\n');
    expect(JSON.parse(header!)).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(lines.slice(0, 2).map((l) => JSON.parse(l) as unknown)).toEqual([
      [0.25, 'o', 'hello\r\n'],
      [0.5, 'o', 'world\r\n'],
    ]);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject([expect.any(Number), 'm', 'exit 0']);
    expect(cast.truncated).toBe(false);
    const shown = await call<{ session: { startedAt: string } }>('showSession', { id: terminalSessionId });
    expect(cast.startedAt).toBe(shown.session.startedAt);
    expect(await refusal('videoIndex', { recording: terminalSessionId })).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('reports every window as pending while no TSA stamps it, and no still where the screen is off', async () => {
    const w = await call<SessionWindows>('sessionWindows', { id: sessionId });
    expect(w.windows.length).toBeGreaterThan(0);
    expect(w.windows.every((x) => x.state === 'pending' && !x.timeStamped)).toBe(true);
    expect(w.counts.pending).toBe(w.windows.length);
    expect(w.openEvents).toBe(0);
    expect((await call<StillAnswer>('readStill', { session: sessionId, event: seqs[0] })).still).toBeNull();
    expect(await refusal('readStill', { session: terminalSessionId, event: 1 })).toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });

  it('saves settings without losing the keys it does not edit, and refuses what the engine would', async () => {
    const file = runtimePaths(t.dataRoot).settingsPath;
    fs.writeFileSync(file, JSON.stringify({ windowMs: 5000, retention: { auto: false, days: 10 } }));
    const view = await call<SettingsView>('setSettings', {
      settings: { screen: { fps: 8 }, retention: { days: 45 }, hookPolicy: 'fail-closed', tsa: { urls: [] } },
    });
    expect(view.settings).toEqual({
      screen: { fps: 8 },
      retention: { days: 45 },
      hookPolicy: 'fail-closed',
      tsa: { urls: [] },
    });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      windowMs: 5000,
      screen: { fps: 8 },
      retention: { auto: false, days: 45 },
      hookPolicy: 'fail-closed',
      tsa: { urls: [] },
    });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(view.defaultExportDir).toBe(home);
    const before = fs.readFileSync(file, 'utf8');
    expect(await refusal('setSettings', { settings: { retention: { days: 0 } } })).toMatchObject({ code: 'E_SCHEMA' });
    expect(await refusal('setSettings', { settings: { tsa: { urls: ['ftp://tsa.example'] } } })).toMatchObject({
      code: 'E_SCHEMA',
    });
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('installs and removes the Claude Code hooks with the policy of the settings', async () => {
    const installed = await call<{
      written: boolean;
      added: string[];
      hooks: { scopes: { scope: string; policy: string | null }[] };
    }>('installHooks', { scope: 'user' });
    expect(installed.written).toBe(true);
    expect(installed.added).toContain('PreToolUse');
    expect(installed.hooks.scopes.find((s) => s.scope === 'user')?.policy).toBe('fail-closed');
    const text = fs.readFileSync(path.join(home, '.claude/settings.json'), 'utf8');
    expect(text).toContain('hook --policy fail-closed');
    const removed = await call<{ removed: string[] }>('uninstallHooks', { scope: 'user' });
    expect(removed.removed).toContain('PreToolUse');
    expect(fs.readFileSync(path.join(home, '.claude/settings.json'), 'utf8')).not.toContain('hook');
    expect(await refusal('installHooks', { scope: 'project' })).toMatchObject({ code: 'E_USAGE' });
    expect(await refusal('hooksStatus', { projectDir: 'relative/dir' })).toMatchObject({ code: 'E_USAGE' });
  });

  it('checks the bundle path before starting an export, and writes a plain one only when asked', async () => {
    const range = { kind: 'tool', fromTool: 'tu', toTool: 'tu' };
    const plain = { sessionId, range, recipients: [], plain: true, withhold: [] };
    expect(await refusal('startExport', { ...plain, out: 'relative.aevb.tar' })).toMatchObject({ code: 'E_USAGE' });
    expect(await refusal('startExport', { ...plain, plain: false, out: path.join(work.dir, 'x') })).toMatchObject({
      code: 'E_SCHEMA',
    });
    const out = path.join(work.dir, 'host.aevb.tar');
    const { job } = await call<{ job: string }>('startExport', { ...plain, out });
    const done = await finished(job);
    expect(done.error).toBeNull();
    expect(done.exported?.encrypted).toBe(false);
    expect(done.messages.some((m) => m.includes('NOT encrypted'))).toBe(true);
    expect(fs.statSync(out).size).toBe(done.exported?.bytes);
    expect(await refusal('startExport', { ...plain, out })).toMatchObject({ code: 'E_USAGE' });
    // Verified by path: everything but the time-stamps (none were made) holds.
    const v = await finished((await call<{ job: string }>('startVerify', { source: { path: out } })).job);
    const failed = v.verified?.report.items.filter((i) => i.status === 'fail').map((i) => i.code) ?? [];
    expect(v.verified?.report.items.length).toBeGreaterThan(5);
    expect(failed.every((c) => c.startsWith('TOKEN_'))).toBe(true);
    expect(v.checked).toBe(v.verified?.report.items.length);
  });

  it('sets a new recovery passphrase: the vault opens with it, not with the old one', async () => {
    const next = 'a much longer recovery passphrase';
    await call('setRecoveryPassphrase', { passphrase: next });
    const vaultDir = runtimePaths(t.dataRoot).vaultDir;
    (await openVault({ vaultDir, keyring: null, passphrase: next })).close();
    await expect(openVault({ vaultDir, keyring: null, passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({
      code: 'E_BAD_PASSPHRASE',
    });
    expect(await refusal('setRecoveryPassphrase', { passphrase: 'short' })).toMatchObject({ code: 'E_SCHEMA' });
    const state = await call<{ vault: { recoveryPassphrase: boolean; keyring: boolean; unlockedBy: string } }>(
      'onboarding',
      {},
    );
    expect(state.vault).toEqual({ recoveryPassphrase: true, keyring: false, unlockedBy: 'passphrase' });
  }, 90_000); // scrypt at the production cost (2^17), three times
});
