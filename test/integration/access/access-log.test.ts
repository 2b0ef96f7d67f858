import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../electron/common/model/verification.ts';
import { recipientFingerprint } from '../../../electron/engine/access/access-entry.ts';
import type { AccessLogListing } from '../../../electron/engine/access/access-reader.ts';
import { controlRequest } from '../../../electron/engine/client/control-request.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { RawClient, terminalOpenFrame } from '../../helpers/raw-client.ts';
import { openIndexFile, sendEvents } from '../../helpers/sealing.ts';
import { untilSealedAndStamped } from './quiet-index.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/**
 * DESIGN.md §5, "every export, view and purge is itself an event in a chain": a real daemon with a real
 * openssl TSA; `aev export` (with the engine running, and without it) and the owner's reads of decrypted
 * content land on the access log, which is sealed, signed and time-stamped like any session, so
 * `aev verify --all` covers it and names an altered entry.
 */
describe('the access log', () => {
  const work = makeTempDir('aev-access-');
  const dataRoot = path.join(work.dir, 'data');
  let tsa: OpensslTsa;
  let daemon: DaemonProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let trustFile: string;
  let sessionId: string;
  let terminalSessionId: string;
  let recipient: string;
  const tsaEnv = (): Record<string, string> => ({
    AEV_TSA_URLS: tsa.url,
    AEV_TSA_TRUST: trustFile,
    AEV_WINDOW_MS: '300',
  });

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    trustFile = path.join(work.dir, 'tsa-root.pem');
    fs.writeFileSync(trustFile, tsa.rootPem);
    env = testEnv(dataRoot, tsaEnv());
    daemon = await startDaemon(dataRoot, tsaEnv());
    sessionId = (await sendEvents(daemon.paths.socketPath, 'logged-work', 6))[0]?.sessionId ?? '';
    const term = await RawClient.hello(daemon.paths.socketPath);
    term.send(terminalOpenFrame('o', 't_access'));
    terminalSessionId = ((await term.waitFor((f) => f.id === 'o')) as { value: { sessionId: string } }).value.sessionId;
    term.send({ type: 'terminal.data', id: 'd', terminalId: 't_access', events: [[0.5, 'o', 'hello\r\n']] });
    await term.waitFor((f) => f.id === 'd');
    term.close();
    await untilSealedAndStamped(dataRoot);
    const key = path.join(work.dir, 'age.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
  }, 120_000);

  afterAll(async () => {
    try {
      await daemon?.stop();
    } finally {
      await tsa.close();
      work.cleanup();
    }
  });

  async function accessLog(): Promise<AccessLogListing> {
    const r = await runAev(['access-log', '--json', '--limit', '1000'], env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as AccessLogListing;
  }

  async function verifyAll(...extra: string[]): Promise<{ code: number | null; report: VerifyReport }> {
    const r = await runAev(['verify', '--all', '--trust', trustFile, '--json', ...extra], env, undefined, 60_000);
    return { code: r.code, report: JSON.parse(r.stdout) as VerifyReport };
  }

  function notPassed(report: VerifyReport): string {
    return JSON.stringify(
      report.items.filter((i) => i.status !== 'pass'),
      null,
      1,
    );
  }

  it('records an export beside the running engine: session, range, recipient fingerprint, bundle sha256', async () => {
    const out = path.join(work.dir, 'live.aevb.tar.age');
    const r = await runAev(
      ['export', sessionId, '--from-tool', 't0', '--to-tool', 't2', '--recipient', recipient, '--out', out],
      env,
      undefined,
      60_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const sha = execFileSync('sha256sum', [out], { encoding: 'utf8' }).split(' ')[0];
    expect(r.stderr).toContain(`recorded in the access log (bundle sha256 ${String(sha)})`);
    const log = await accessLog();
    expect(log.entries[0]?.entry).toMatchObject({
      kind: 'export',
      sessionId,
      recipients: [recipientFingerprint(recipient)],
      bundleSha256: sha,
      withheld: 0,
      request: null,
    });
    // The log itself holds no payload text (the events said `echo 0` … and their responses).
    expect(JSON.stringify(log)).not.toMatch(/echo \d/);
  }, 60_000);

  it('records one view per session and kind of content, however many reads, and none for metadata', async () => {
    const before = (await accessLog()).total;
    expect((await runAev(['sessions', 'show', sessionId], env)).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await runAev(['sessions', 'show', sessionId, '--payloads'], env)).code).toBe(0);
    for (let i = 0; i < 3; i++)
      await controlRequest(daemon?.paths.socketPath ?? '', 'terminal.read', { session: terminalSessionId });
    const log = await accessLog();
    expect(log.total).toBe(before + 2);
    expect(
      log.entries
        .slice(0, 2)
        .map((e) => e.entry)
        .reverse(),
    ).toEqual([
      { kind: 'view', sessionId, what: 'payloads' },
      { kind: 'view', sessionId: terminalSessionId, what: 'terminal' },
    ]);
  }, 60_000);

  it('seals, signs and time-stamps the access log like any session: aev verify --all passes', async () => {
    await untilSealedAndStamped(dataRoot);
    const log = await accessLog();
    expect(log.entries.every((e) => e.sealedIn !== null && e.stamped)).toBe(true);
    const { code, report } = await verifyAll();
    expect(code, notPassed(report)).toBe(0);
    const items = report.items.filter((i) => i.item.startsWith(`session ${String(log.sessionId)} `));
    expect(items.some((i) => / record \d+ events$/.test(i.item) && i.status === 'pass')).toBe(true);
    expect(items.some((i) => i.item.includes('token on record') && i.status === 'pass')).toBe(true);

    // An auditor can be given the access log itself as an evidence bundle, checked like any other.
    const bundle = path.join(work.dir, 'access-log.aevb.tar');
    const first = log.entries.at(-1)?.at ?? '';
    const e = await runAev(
      ['export', String(log.sessionId), '--from', first, '--to', new Date().toISOString(), '--plain', '--out', bundle],
      env,
      undefined,
      60_000,
    );
    expect(e.code, e.stderr).toBe(0);
    const v = await runAev(['verify', bundle, '--trust', trustFile, '--json'], env, undefined, 60_000);
    expect(v.code, notPassed(JSON.parse(v.stdout) as VerifyReport)).toBe(0);
  }, 90_000);

  it('without an engine, aev export records and seals the entry itself; the next engine stamps it', async () => {
    await daemon?.stop();
    daemon = undefined;
    const out = path.join(work.dir, 'offline.aevb.tar');
    const r = await runAev(
      ['export', sessionId, '--from-tool', 't0', '--to-tool', 't1', '--plain', '--out', out],
      env,
      undefined,
      60_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const newest = (await accessLog()).entries[0];
    expect(newest?.entry).toMatchObject({ kind: 'export', recipients: 'plain' });
    expect(newest?.sealedIn).not.toBeNull();
    expect(newest?.stamped).toBe(false);
    const pending = await verifyAll();
    expect(pending.code).toBe(1);
    expect(pending.report.items.some((i) => i.code === 'TOKEN_PENDING' && i.item.includes('access_'))).toBe(true);
    expect((await verifyAll('--allow-pending')).code).toBe(0);

    daemon = await startDaemon(dataRoot, tsaEnv());
    await untilSealedAndStamped(dataRoot);
    await daemon.stop();
    daemon = undefined;
    // The engine's downtime is a gap in the recording, not in the access log, which missed nothing.
    const db = openIndexFile(dataRoot, true);
    const gapsIn = (kind: string): number =>
      db
        .prepare<[string], { n: number }>(
          "SELECT COUNT(*) AS n FROM chain_records c JOIN sessions s ON s.id = c.session_id WHERE s.kind = ? AND c.kind = 'gap'",
        )
        .get(kind)?.n ?? -1;
    expect(gapsIn('agent')).toBeGreaterThan(0);
    expect(gapsIn('access')).toBe(0);
    db.close();
    const { code, report } = await verifyAll();
    expect(code, notPassed(report)).toBe(0);
  }, 120_000);

  it('names the access log entry that was altered, and the window that lost one', async () => {
    const log = await accessLog();
    const accessId = String(log.sessionId);
    const db = openIndexFile(dataRoot);
    try {
      // Flip one byte of the first entry's ciphertext (the approval of an export, say).
      const first = db
        .prepare<[string], { payload_ct: Buffer }>('SELECT payload_ct FROM events WHERE session_id = ? AND seq = 1')
        .get(accessId);
      const ct = Buffer.from(first?.payload_ct ?? Buffer.alloc(0));
      ct[ct.length - 20] = (ct[ct.length - 20] ?? 0) ^ 0x01;
      db.prepare('UPDATE events SET payload_ct = ? WHERE session_id = ? AND seq = 1').run(ct, accessId);
    } finally {
      db.close();
    }
    const altered = await verifyAll();
    expect(altered.code).toBe(1);
    expect(altered.report.items).toContainEqual(
      expect.objectContaining({ item: `session ${accessId} event 1`, status: 'fail', code: 'EVENT_CIPHERTEXT' }),
    );
    expect((await accessLog()).entries.at(-1)?.entry).toBeNull();

    // Covering an export up: delete its entry (and renumber nothing) — the window's Merkle root says so.
    const last = log.entries[0];
    const db2 = openIndexFile(dataRoot);
    try {
      db2.pragma('foreign_keys = ON');
      db2.prepare('DELETE FROM events WHERE id = ?').run(last?.eventId);
    } finally {
      db2.close();
    }
    const removed = await verifyAll();
    expect(removed.report.items).toContainEqual(
      expect.objectContaining({
        item: `session ${accessId} record ${String(last?.sealedIn)} events`,
        status: 'fail',
        code: 'EVENTS_ROOT',
      }),
    );
  }, 60_000);
});
