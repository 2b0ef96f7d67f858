import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCast } from '../../../native/pty/asciicast.ts';
import { RawClient } from '../../helpers/raw-client.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';

const open = (terminalId: string) => ({
  type: 'terminal.open',
  id: 'o',
  terminalId,
  agent: 'claude-code',
  command: ['claude', '--print', 'it is a test'],
  width: 100,
  height: 30,
  timestamp: Math.floor(Date.now() / 1000),
  env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
  recordInput: false,
});

interface MediaRow {
  seq: number;
  kind: string;
  object_id: string;
}

async function castOf(dataRoot: string, sessionId: string): Promise<string> {
  const db = openIndexFile(dataRoot, true);
  const rows = db
    .prepare<[string], MediaRow>('SELECT seq, kind, object_id FROM media WHERE session_id = ? ORDER BY seq')
    .all(sessionId);
  db.close();
  const vault = await openVault({
    vaultDir: runtimePaths(dataRoot).vaultDir,
    keyring: null,
    passphrase: TEST_PASSPHRASE,
  });
  try {
    const parts = await Promise.all(rows.map((r) => vault.objects.get('terminal', r.object_id)));
    return Buffer.concat(parts).toString('utf8');
  } finally {
    vault.close();
  }
}

describe('terminal streams from aev run', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('stores each batch durably before answering, seals it in the terminal session and replays as asciicast v2', async () => {
    t = await startTestEngine({ windowMs: 200, tsa: null });
    const c = await RawClient.hello(t.info.socketPath);
    c.send(open('t_test1'));
    const opened = (await c.waitFor((f) => f.id === 'o')) as { type: string; value: { sessionId: string } };
    expect(opened.type).toBe('result');
    const sessionId = opened.value.sessionId;
    c.send({
      type: 'terminal.data',
      id: 'd1',
      terminalId: 't_test1',
      events: [
        [0.1, 'o', 'hello '],
        [0.2, 'o', 'wörld\r\n'],
      ],
    });
    c.send({
      type: 'terminal.data',
      id: 'd2',
      terminalId: 't_test1',
      events: [
        [0.5, 'r', '120x40'],
        [0.6, 'o', 'bye'],
      ],
    });
    c.send({ type: 'terminal.close', id: 'c', terminalId: 't_test1', exitCode: 3 });
    for (const id of ['d1', 'd2', 'c']) expect((await c.waitFor((f) => f.id === id)).type).toBe('result');
    // A second connection cannot write into a terminal it did not open.
    const intruder = await RawClient.hello(t.info.socketPath);
    intruder.send({ type: 'terminal.data', id: 'x', terminalId: 't_test1', events: [[1, 'o', 'forged']] });
    expect(await intruder.waitFor((f) => f.id === 'x')).toMatchObject({ type: 'error', code: 'E_NOT_FOUND' });
    // Times may not run backwards within a terminal; a malformed frame says why.
    c.send({ type: 'terminal.data', id: 'bad', terminalId: 't_test1', events: [[1, 'z', 'nope']] });
    expect(await c.waitFor((f) => f.id === 'bad')).toMatchObject({ type: 'error', code: 'E_SCHEMA' });
    c.close();
    intruder.close();

    const db = openIndexFile(t.dataRoot, true);
    await until(
      () =>
        db.prepare<[string], { chain_final: number }>('SELECT chain_final FROM sessions WHERE id = ?').get(sessionId)
          ?.chain_final === 1,
      10_000,
      'the terminal chain to be final',
    );
    const session = db
      .prepare<
        [string],
        { kind: string; agent: string; end_reason: string; media_count: number; sealed_media: number }
      >('SELECT kind, agent, end_reason, media_count, sealed_media FROM sessions WHERE id = ?')
      .get(sessionId);
    db.close();
    expect(session).toEqual({
      kind: 'terminal',
      agent: 'claude-code',
      end_reason: 'exited',
      media_count: 4,
      sealed_media: 4,
    });

    const cast = parseCast(await castOf(t.dataRoot, sessionId));
    if (!cast.ok) throw new Error(`not a cast: line ${cast.line}: ${cast.message}`);
    expect(cast.header).toMatchObject({ version: 2, width: 100, height: 30, command: "claude --print 'it is a test'" });
    expect(cast.frames.slice(0, 4)).toEqual([
      [0.1, 'o', 'hello '],
      [0.2, 'o', 'wörld\r\n'],
      [0.5, 'r', '120x40'],
      [0.6, 'o', 'bye'],
    ]);
    expect(cast.frames[4]?.[1]).toBe('m');
    expect(cast.frames[4]?.[2]).toBe('exit 3');

    const report = await verifyDataRoot(t.dataRoot, '', true);
    expect(report.counts.fail, JSON.stringify(report.items.filter((i) => i.status === 'fail'))).toBe(0);
    expect(report.items.some((i) => i.item.includes('media') && i.status === 'pass')).toBe(true);
  });

  it('names the media item when its encrypted object is altered, swapped or removed', async () => {
    t = await startTestEngine({ windowMs: 200, tsa: null });
    const c = await RawClient.hello(t.info.socketPath);
    c.send(open('t_tamper'));
    const { value } = (await c.waitFor((f) => f.id === 'o')) as { value: { sessionId: string } };
    for (let i = 1; i <= 3; i++)
      c.send({ type: 'terminal.data', id: `d${i}`, terminalId: 't_tamper', events: [[i, 'o', `line ${i}\n`]] });
    c.send({ type: 'terminal.close', id: 'c', terminalId: 't_tamper', exitCode: 0 });
    await c.waitFor((f) => f.id === 'c');
    c.close();
    const dataRoot = t.dataRoot;
    await t.engine.stop();
    const db = openIndexFile(dataRoot, true);
    const rows = db
      .prepare<[string], MediaRow>('SELECT seq, kind, object_id FROM media WHERE session_id = ? ORDER BY seq')
      .all(value.sessionId);
    db.close();
    const vault = await openVault({
      vaultDir: runtimePaths(dataRoot).vaultDir,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
    });
    const file = (seq: number) => vault.objects.pathOf('terminal', rows[seq - 1]?.object_id ?? '');
    vault.close();
    // seq 2: one flipped bit; seq 3: replaced by seq 4's file; seq 4: deleted.
    const two = fs.readFileSync(file(2));
    two[two.length - 5] = (two[two.length - 5] ?? 0) ^ 1;
    fs.writeFileSync(file(2), two);
    fs.copyFileSync(file(4), file(3));
    fs.rmSync(file(4));
    const report = await verifyDataRoot(dataRoot, '', true);
    const failed = report.items.filter((i) => i.status === 'fail').map((i) => `${i.item}: ${i.code}`);
    const prefix = `session ${value.sessionId} media`;
    expect(failed).toEqual([
      `${prefix} 2: MEDIA_CIPHERTEXT`,
      `${prefix} 3: MEDIA_CIPHERTEXT`,
      `${prefix} 4: MEDIA_MISSING`,
    ]);
  });
});
