import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainRecordBody } from '../../../electron/common/model/chain.ts';
import type { VerifyReport } from '../../../electron/common/model/verification.ts';
import { redactionConfigFrom } from '../../../electron/engine/redact/redaction-config.ts';
import { REDACTION_RUN_FILE } from '../../../electron/engine/redact/redaction-run-file.ts';
import { redactionStatement } from '../../../electron/engine/redact/redaction-statement.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, sendEvents } from '../../helpers/sealing.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { recordAgentSession } from '../retention/retention-fixtures.ts';

const SETTINGS = {
  redaction: {
    disable: ['jwt'],
    patterns: [
      { id: 'acme-key', regex: 'ACME-[0-9A-F]{16}' },
      { id: 'employee-id', regex: 'EMP-(?<secret>[0-9]+)', replacement: '[employee]' },
    ],
  },
};

function windows(dataRoot: string, sessionId: string): { body: ChainRecordBody; bytes: string }[] {
  const db = openIndexFile(dataRoot, true);
  try {
    return db
      .prepare<[string], { record: Buffer }>('SELECT record FROM chain_records WHERE session_id = ? ORDER BY seq')
      .all(sessionId)
      .map((r) => ({ body: JSON.parse(r.record.toString('utf8')) as ChainRecordBody, bytes: r.record.toString() }));
  } finally {
    db.close();
  }
}

const redactionItems = (r: VerifyReport, sessionId: string) =>
  r.items.filter((i) => i.code === 'REDACTION' && i.item.startsWith(`session ${sessionId} `));

/**
 * Four engine runs on one data root, each a real `aev daemon` with an openssl TSA: the redaction in force
 * changes between them and two of them crash with received events unsealed. Each window record must state
 * the redaction its content was received under, and `aev verify` (store and bundle) must say it.
 */
describe('the redaction in force is on the chain', () => {
  const tmp = makeTempDir();
  const dataRoot = path.join(tmp.dir, 'data');
  let tsa: OpensslTsa;
  let base: Record<string, string>;
  let daemon: DaemonProcess | null = null;
  const ids = { crashedOn: '', offRun: '', unknown: '' };
  const socket = (): string => runtimePaths(dataRoot).socketPath;

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    const trust = path.join(tmp.dir, 'tsa-root.pem');
    fs.writeFileSync(trust, tsa.rootPem);
    // Windows of a minute: a kill -9 right after the events leaves them received and unsealed.
    base = { AEV_TSA_URLS: tsa.url, AEV_TSA_TRUST: trust, AEV_WINDOW_MS: '60000' };
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    fs.writeFileSync(runtimePaths(dataRoot).settingsPath, JSON.stringify(SETTINGS));
    try {
      // Run A: on, with the custom patterns; crashes with two events of session S1 unsealed.
      daemon = await startDaemon(dataRoot, base);
      ids.crashedOn = (await sendEvents(socket(), 'chain-s1', 2))[0]!.sessionId;
      await daemon.kill9();
      // Run B: off. Its start seals S1's two events under A's redaction; then S1 ends and S2 starts, off.
      daemon = await startDaemon(dataRoot, { ...base, AEV_REDACTION: 'off' });
      await recordAgentSession(socket(), 'chain-s1', 1);
      ids.offRun = (await sendEvents(socket(), 'chain-s2', 1))[0]!.sessionId;
      expect(await daemon.stop()).toBe(0);
      // Run C: on; crashes with S3's event unsealed, and the note of what C ran with is lost.
      daemon = await startDaemon(dataRoot, base);
      ids.unknown = (await sendEvents(socket(), 'chain-s3', 1))[0]!.sessionId;
      await daemon.kill9();
      fs.rmSync(path.join(dataRoot, REDACTION_RUN_FILE));
      // Run D: on, short windows; S3 goes on and ends.
      daemon = await startDaemon(dataRoot, { ...base, AEV_WINDOW_MS: '300' });
      await recordAgentSession(socket(), 'chain-s3', 1);
      const env = testEnv(dataRoot, base);
      for (let i = 0; ; i++) {
        const s = JSON.parse((await runAev(['status', '--json'], env)).stdout) as {
          sealing: { unsealedEvents: number; tsa: { pending: number } };
        };
        const final = windows(dataRoot, ids.unknown).at(-1)?.body.final === true;
        if (final && s.sealing.unsealedEvents === 0 && s.sealing.tsa.pending === 0) break;
        if (i > 150) throw new Error('not sealed and stamped in time');
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (error) {
      await daemon?.stop();
      daemon = null;
      throw error;
    }
  }, 180_000);

  afterAll(async () => {
    await daemon?.stop();
    await tsa.close();
    tmp.cleanup();
  });

  it('states, in each window record, the redaction its content was received under, never a pattern source', () => {
    const on = redactionStatement(redactionConfigFrom(SETTINGS.redaction, undefined));
    const off = redactionStatement(redactionConfigFrom(SETTINGS.redaction, 'off'));
    const s1 = windows(dataRoot, ids.crashedOn);
    expect(s1.map((r) => [r.body.kind, r.body.redaction ?? 'absent'])).toEqual([
      ['window', on], // received by run A, sealed by run B at its start: A's redaction, not B's
      ['gap', 'absent'],
      ['window', off],
    ]);
    expect(windows(dataRoot, ids.offRun)[0]?.body.redaction).toEqual(off);
    const s3 = windows(dataRoot, ids.unknown).filter((r) => r.body.kind === 'window');
    // Run D may seal S3's event and its end in one window or two: every one after the first is D's.
    expect(s3[0]?.body.redaction).toBeUndefined();
    expect(s3.length).toBeGreaterThan(1);
    for (const r of s3.slice(1)) expect(r.body.redaction).toEqual(on);
    for (const r of [...s1, ...s3])
      for (const p of SETTINGS.redaction.patterns) expect(r.bytes.includes(p.regex.slice(0, 8))).toBe(false);
  });

  it('aev verify passes and says per session whether redaction was on, with which patterns, OFF or unknown', async () => {
    const v = await runAev(['verify', '--all', '--json'], testEnv(dataRoot, base));
    const report = JSON.parse(v.stdout) as VerifyReport;
    expect(
      v.code,
      report.items
        .filter((i) => i.status !== 'pass')
        .map((i) => i.message)
        .join('\n'),
    ).toBe(0);
    expect(
      redactionItems(report, ids.crashedOn).map((i) => [i.item, i.message.replace(/fingerprint \w+ /, '')]),
    ).toEqual([
      [
        `session ${ids.crashedOn} redaction (record 1)`,
        'on, built-in v1 + 2 custom (acme-key, employee-id), jwt left out; (record 1)',
      ],
      [`session ${ids.crashedOn} redaction (record 3)`, 'OFF: nothing was redacted before storage (record 3)'],
    ]);
    expect(redactionItems(report, ids.offRun).map((i) => i.message)).toEqual([
      'OFF: nothing was redacted before storage (record 1)',
    ]);
    expect(redactionItems(report, ids.unknown).map((i) => i.message.split(':')[0])).toEqual([
      'unknown',
      expect.stringMatching(/^on, built-in v1 \+ 2 custom/) as unknown,
    ]);
    const text = await runAev(['verify', '--session', ids.crashedOn], testEnv(dataRoot, base));
    expect(text.stdout).toContain(`ok   session ${ids.crashedOn} redaction (record 3): OFF`);
  });

  it('carries it in an exported bundle, whose verification reports it the same way', async () => {
    const s1 = windows(dataRoot, ids.crashedOn);
    const out = path.join(tmp.dir, 's1.tar');
    const env = testEnv(dataRoot, base);
    const exp = await runAev(
      ['export', ids.crashedOn, '--from', s1[0]!.body.from, '--to', s1.at(-1)!.body.to, '--out', out, '--plain'],
      env,
      undefined,
      60_000,
    );
    expect(exp.code, exp.stderr).toBe(0);
    const v = await runAev(['verify', out, '--json'], env, undefined, 60_000);
    const report = JSON.parse(v.stdout) as VerifyReport;
    expect(
      v.code,
      report.items
        .filter((i) => i.status === 'fail')
        .map((i) => i.message)
        .join('\n'),
    ).toBe(0);
    expect(redactionItems(report, ids.crashedOn).map((i) => i.message.split(',')[0]?.split(':')[0])).toEqual([
      'on',
      'OFF',
    ]);
  }, 90_000);
});
