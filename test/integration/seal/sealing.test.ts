import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, sendEvents, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const WINDOW_MS = 400;

describe('sealing windows into the chain', () => {
  let tsa: OpensslTsa;
  let t: TestEngine;
  const work = makeTempDir();
  beforeAll(async () => {
    tsa = await startOpensslTsa();
    t = await startTestEngine({
      windowMs: WINDOW_MS,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
    });
  });
  afterAll(async () => {
    await t.dispose();
    await tsa.close();
    work.cleanup();
  });

  it('seals each window within a second of it closing, signed and time-stamped', async () => {
    const acks = await sendEvents(t.info.socketPath, 'seal-1', 6);
    const sentAt = Date.now();
    await until(() => t.engine.status().sealing.unsealedEvents === 0, 5000, 'events sealed');
    expect(Date.now() - sentAt).toBeLessThan(WINDOW_MS + 1000);
    await until(() => t.engine.status().sealing.tsa.pending === 0, 10_000, 'time-stamps');
    const db = openIndexFile(t.dataRoot, true);
    const rec = db
      .prepare<[string], { record: Buffer; signature: string; seq: number }>(
        'SELECT record, signature, seq FROM chain_records WHERE session_id = ? ORDER BY seq',
      )
      .all(acks[0]!.sessionId);
    const token = db
      .prepare<[string], { response: Buffer; seq: number }>(
        'SELECT response, seq FROM tsa_tokens WHERE session_id = ? ORDER BY seq DESC',
      )
      .get(acks[0]!.sessionId);
    db.close();
    expect(rec.length).toBeGreaterThanOrEqual(1);
    const body = JSON.parse(rec[0]!.record.toString()) as {
      events: { count: number; firstSeq: number };
      prev: string | null;
    };
    expect(body.prev).toBeNull();
    expect(body.events.firstSeq).toBe(1);

    // The device signature, checked by stock ssh-keygen (invariant I6).
    const signers = path.join(work.dir, 'allowed_signers');
    const pub = fs.readFileSync(path.join(t.dataRoot, 'device.pub'), 'utf8').trim().split(' ');
    fs.writeFileSync(signers, `aev-device namespaces="agent-evidence" ${pub[0]!} ${pub[1]!}\n`);
    const sig = path.join(work.dir, 'r.sig');
    fs.writeFileSync(sig, rec[0]!.signature);
    const ok = spawnSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', signers, '-I', 'aev-device', '-n', 'agent-evidence', '-s', sig],
      { input: rec[0]!.record },
    );
    expect(ok.status, ok.stderr.toString()).toBe(0);
    const tampered = Buffer.from(rec[0]!.record);
    tampered[10] = tampered[10]! ^ 1;
    expect(
      spawnSync('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', 'aev-device', '-n', 'agent-evidence', '-s', sig], {
        input: tampered,
      }).status,
    ).not.toBe(0);

    // The newest record's token, checked by stock openssl (invariant I6).
    const last = rec.find((r) => r.seq === token!.seq)!;
    fs.writeFileSync(path.join(work.dir, 'record.json'), last.record);
    fs.writeFileSync(path.join(work.dir, 'record.tsr'), token!.response);
    fs.writeFileSync(path.join(work.dir, 'root.pem'), tsa.rootPem);
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-data', 'record.json', '-in', 'record.tsr', '-CAfile', 'root.pem'],
      { cwd: work.dir },
    ).toString();
    expect(out).toContain('Verification: OK');

    const report = await verifyDataRoot(t.dataRoot, tsa.rootPem);
    expect(report.items.filter((i) => i.status !== 'pass')).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('keeps records pending (and says so) while the TSA is down, then stamps only the newest head', async () => {
    await tsa.setMode('down');
    const before = tsa.requestCount();
    for (let w = 0; w < 3; w++) {
      await sendEvents(t.info.socketPath, 'seal-down', 2);
      await new Promise((r) => setTimeout(r, WINDOW_MS + 100));
    }
    await until(() => t.engine.status().sealing.tsa.pending >= 3, 5000, 'pending records');
    const status = t.engine.status().sealing.tsa;
    expect(status.oldestPendingSince).not.toBeNull();
    expect(status.tsas[0]!.lastError).toBeTruthy();
    const pendingReport = await verifyDataRoot(t.dataRoot, tsa.rootPem);
    expect(pendingReport.ok).toBe(false);
    expect(pendingReport.counts.fail).toBe(0);
    expect(pendingReport.items.some((i) => i.code === 'TOKEN_PENDING')).toBe(true);

    await tsa.setMode('ok');
    await until(() => t.engine.status().sealing.tsa.pending === 0, 20_000, 'catch-up');
    // One request covered the three windows of the session: the head covers the rest through the chain.
    expect(tsa.requestCount() - before).toBeLessThanOrEqual(status.tsas.length + 3);
    const db = openIndexFile(t.dataRoot, true);
    const tokens = db
      .prepare<[], { n: number }>(
        "SELECT COUNT(*) AS n FROM tsa_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.agent_session_id = 'seal-down'",
      )
      .get()!.n;
    db.close();
    expect(tokens).toBe(1);
    expect((await verifyDataRoot(t.dataRoot, tsa.rootPem)).ok).toBe(true);
  }, 60_000);

  it('never accepts a bad answer from a TSA, and loses nothing meanwhile', async () => {
    for (const mode of ['http500', 'garbage', 'other-imprint', 'wrong-nonce', 'wrong-content-type'] as const) {
      await tsa.setMode(mode);
      const acks = await sendEvents(t.info.socketPath, `seal-${mode}`, 2);
      await until(
        () => (t.engine.status().sealing.tsa.tsas[0]?.lastErrorAt ?? '') > new Date(Date.now() - 2000).toISOString(),
        10_000,
        `${mode} error`,
      );
      const db = openIndexFile(t.dataRoot, true);
      const n = db
        .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM tsa_tokens WHERE session_id = ?')
        .get(acks[0]!.sessionId)!.n;
      db.close();
      expect(n, mode).toBe(0);
    }
    await tsa.setMode('ok');
    await until(() => t.engine.status().sealing.tsa.pending === 0, 30_000, 'recovery');
    expect((await verifyDataRoot(t.dataRoot, tsa.rootPem)).ok).toBe(true);
  }, 90_000);
});
