import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../electron/common/model/verification.ts';
import type { AccessLogListing } from '../../../electron/engine/access/access-reader.ts';
import { CaptureSessions } from '../../../electron/engine/capture/capture-sessions.ts';
import { controlRequest } from '../../../electron/engine/client/control-request.ts';
import type { RetentionStatus } from '../../../electron/engine/retention/retention-types.ts';
import { createEngine } from '../../../electron/engine/create-engine.ts';
import { openIndex } from '../../../electron/engine/index/open-index.ts';
import { RetentionIndex } from '../../../electron/engine/retention/retention-index.ts';
import { appendTombstone } from '../../../electron/engine/retention/tombstone-record.ts';
import { ChainStore } from '../../../electron/engine/seal/chain-store.ts';
import { loadOrCreateDeviceIdentity } from '../../../electron/engine/seal/device-identity.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import { runAev, TEST_PASSPHRASE, testEnv } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { filesContaining, makeTempDir } from '../../helpers/temp-dir.ts';
import { openSideStore } from '../capture/engine-media.ts';
import {
  DAY_MS,
  existing,
  objectFiles,
  passingClock,
  payloadLengths,
  recordAgentSession,
  recordTerminal,
  records,
  untilAsync,
} from './retention-fixtures.ts';

const failures = (r: VerifyReport) => r.items.filter((i) => i.status !== 'pass');
const purgedItems = (r: VerifyReport) => r.items.filter((i) => i.code === 'PURGED');

describe('retention: purge with signed tombstones (engine with an injected clock, openssl TSA)', () => {
  let tsa: OpensslTsa;
  const work = makeTempDir();
  beforeAll(async () => {
    tsa = await startOpensslTsa();
  });
  afterAll(async () => {
    await tsa.close();
    work.cleanup();
  });

  it('purges due sessions on the daily run, keeps the held one, verifies as PURGED, and refuses exports', async () => {
    const time = passingClock();
    const t: TestEngine = await startTestEngine({
      clock: time.clock,
      windowMs: 300,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
      retention: { days: 90, auto: true, checkEveryMs: 50 },
    });
    const socket = t.info.socketPath;
    const status = async (): Promise<RetentionStatus> =>
      (await controlRequest(socket, 'retention.status', {})) as RetentionStatus;
    try {
      // An agent session with a still and a transcript chunk beside its events, and a terminal.
      const side = await openSideStore(t.engine);
      const agent = await recordAgentSession(socket, 'ret-agent', 6, async (id) => {
        const now = Date.now();
        await side.media.add(id, { kind: 'still', bytes: Buffer.from('PNG pixels'), startMs: now, endMs: now });
        const line = Buffer.from('{"role":"user","text":"top secret plan"}\n');
        await side.media.add(id, { kind: 'transcript', bytes: line, startMs: now, endMs: now });
      });
      // A screen recording's media as the capture stores them (init segment, fragments), then ended.
      const captures = new CaptureSessions(side.db);
      const screen = captures.open('screen', 'aev', 'rec-test', Date.now());
      for (const [kind, bytes] of [
        ['video-init', 'ftyp moov'],
        ['video-fragment', 'moof mdat 1'],
        ['video-fragment', 'moof mdat 2'],
      ] as const)
        await side.media.add(screen, { kind, bytes: Buffer.from(bytes), startMs: Date.now(), endMs: Date.now() });
      captures.end(screen, 'recording-stopped', Date.now());
      side.close();
      const terminal = await recordTerminal(socket, 't_ret_1', 5);
      // The held session starts after the terminal ended, so the hold keeps it alone.
      await new Promise((r) => setTimeout(r, 50));
      const held = await recordAgentSession(socket, 'ret-held', 4);
      const all = [agent, screen, terminal, held];
      await until(() => all.every((id) => records(t.dataRoot, id).at(-1)?.body.final === true), 10_000, 'chains final');
      await until(() => t.engine.status().sealing.tsa.pending === 0, 10_000, 'time-stamps');
      const agentFiles = objectFiles(t.dataRoot, agent);
      const terminalFiles = [...objectFiles(t.dataRoot, terminal), ...objectFiles(t.dataRoot, screen)];
      expect(agentFiles.map((f) => f.kind)).toEqual(['still', 'transcript']);
      expect(terminalFiles.length).toBe(7 + 3); // the cast header, 5 batches, the exit marker; init and 2 fragments
      expect(existing([...agentFiles, ...terminalFiles])).toBe(12);

      const hold = await runAev(
        ['retention', 'hold', held, '--reason', 'litigation hold: case 42'],
        testEnv(t.dataRoot),
      );
      expect(hold.code, hold.stderr).toBe(0);
      // Nothing is due yet: the engine's run at start found nothing, and a manual purge is refused.
      expect((await status()).due).toEqual([]);
      await expect(controlRequest(socket, 'retention.purge', { id: agent })).rejects.toMatchObject({
        code: 'E_NOT_DUE',
      });

      // 91 days later, the daily run (by the injected clock) purges what is due.
      time.advance(91 * DAY_MS);
      await until(() => records(t.dataRoot, terminal).at(-1)?.body.kind === 'tombstone', 10_000, 'the daily run');
      await until(() => existing([...agentFiles, ...terminalFiles]) === 0, 10_000, 'objects deleted');
      await until(() => t.engine.status().sealing.tsa.pending === 0, 10_000, 'tombstones time-stamped');
      const after = await status();
      expect(after.purged).toBe(3);
      expect(after.due).toEqual([]);
      expect(after.incomplete).toEqual([]);
      expect(after.held.map((h) => [h.id, h.reason])).toEqual([[held, 'litigation hold: case 42']]);
      expect(after.nextRun).not.toBeNull();

      // Content gone from the vault and the index; hashes, records and the held session stay.
      expect(payloadLengths(t.dataRoot, agent).every((n) => n === 0)).toBe(true);
      expect(payloadLengths(t.dataRoot, held).every((n) => n > 0)).toBe(true);
      const tomb = records(t.dataRoot, agent).at(-1)!;
      expect(tomb.body).toMatchObject({
        kind: 'tombstone',
        final: true,
        purge: { reason: 'retention', policyDays: 90 },
      });
      expect(tomb.body.purge!.events.count).toBe(7); // 6 tool events + SessionEnd
      expect(tomb.body.purge!.media.count).toBe(2);
      expect(tomb.body.from).toBe(tomb.body.to);
      expect(records(t.dataRoot, held).some((r) => r.body.kind === 'tombstone')).toBe(false);

      // The tombstone's signature, checked by stock ssh-keygen (invariant I6).
      const signers = path.join(work.dir, 'allowed_signers');
      const pub = fs.readFileSync(path.join(t.dataRoot, 'device.pub'), 'utf8').trim().split(' ');
      fs.writeFileSync(signers, `aev-device namespaces="agent-evidence" ${pub[0]!} ${pub[1]!}\n`);
      const sig = path.join(work.dir, 'tombstone.sig');
      fs.writeFileSync(sig, tomb.signature);
      const sshOk = spawnSync(
        'ssh-keygen',
        ['-Y', 'verify', '-f', signers, '-I', 'aev-device', '-n', 'agent-evidence', '-s', sig],
        {
          input: tomb.record,
        },
      );
      expect(sshOk.status, sshOk.stderr.toString()).toBe(0);

      // Verification passes, naming each purge.
      const report = await verifyDataRoot(t.dataRoot, tsa.rootPem);
      expect(failures(report)).toEqual([]);
      expect(purgedItems(report).map((i) => i.item)).toEqual(
        expect.arrayContaining([agent, screen, terminal].map((id) => expect.stringContaining(id) as unknown)),
      );
      expect(purgedItems(report)).toHaveLength(3);
      const cli = await runAev(['verify', '--session', agent, '--trust', tsa.rootPath], testEnv(t.dataRoot));
      expect(cli.code, cli.stdout).toBe(0);
      expect(cli.stdout).toMatch(/purged .* by the 90-day retention policy/);

      // The purges are on the access log.
      const log = (await controlRequest(socket, 'access.list', { limit: 10 })) as AccessLogListing;
      const purgeEntries = log.entries.filter((e) => e.entry?.kind === 'purge');
      expect(purgeEntries.flatMap((e) => (e.entry?.kind === 'purge' ? e.entry.sessionIds : [])).sort()).toEqual(
        [agent, screen, terminal].sort(),
      );

      // Exports of purged content refuse, naming the purge date; payloads cannot be shown.
      const from = records(t.dataRoot, agent)[0]!.body.from;
      const exp = await runAev(
        [
          'export',
          agent,
          '--from',
          from,
          '--to',
          tomb.body.to,
          '--out',
          path.join(work.dir, 'x.tar'),
          '--plain',
          '--trust',
          tsa.rootPath,
        ],
        testEnv(t.dataRoot),
      );
      expect(exp.code).toBe(1);
      expect(exp.stderr).toContain('[E_PURGED]');
      expect(exp.stderr).toContain(`purged on ${tomb.body.sealedAt}`);
      await expect(controlRequest(socket, 'sessions.show', { id: agent, payloads: true })).rejects.toMatchObject({
        code: 'E_PURGED',
      });

      // Released, the held session is purged by the next daily run.
      const rel = await runAev(['retention', 'release', held], testEnv(t.dataRoot));
      expect(rel.code, rel.stderr).toBe(0);
      time.advance(DAY_MS + 60_000);
      await until(() => records(t.dataRoot, held).at(-1)?.body.kind === 'tombstone', 10_000, 'the next daily run');
      await untilAsync(async () => (await status()).incomplete.length === 0, 10_000, 'purge finished');
      await until(() => t.engine.status().sealing.tsa.pending === 0, 10_000, 'time-stamps');
      expect(payloadLengths(t.dataRoot, held).every((n) => n === 0)).toBe(true);
      const final = await verifyDataRoot(t.dataRoot, tsa.rootPem);
      expect(failures(final)).toEqual([]);
      expect(purgedItems(final)).toHaveLength(4);
    } finally {
      await t.dispose();
    }
  }, 120_000);

  it('verifies a purge stopped right after its tombstone (nothing deleted yet) and finishes it at the next start', async () => {
    const past = passingClock(-100 * DAY_MS);
    const t = await startTestEngine({ clock: past.clock, windowMs: 300, tsa: null });
    try {
      const terminal = await recordTerminal(t.info.socketPath, 't_intent', 4);
      await until(() => records(t.dataRoot, terminal).at(-1)?.body.final === true, 10_000, 'final');
      await t.engine.stop();
      // The purge's first step alone, as a crash right after its commit leaves it: tombstone and purge row.
      const db = openIndex(path.join(t.dataRoot, 'index.sqlite'));
      const vault = await openVault({
        vaultDir: path.join(t.dataRoot, 'vault'),
        keyring: null,
        passphrase: TEST_PASSPHRASE,
      });
      const device = await loadOrCreateDeviceIdentity(vault, t.dataRoot);
      db.transaction(() => {
        const { stored, purge } = appendTombstone(db, new ChainStore(db), device, terminal, 90, Date.now());
        new RetentionIndex(db).startPurge({
          sessionId: terminal,
          tombstoneSeq: stored.seq,
          policyDays: 90,
          startedAt: stored.sealedAt,
          events: purge.events.count,
          media: purge.media.count,
          bytes: purge.bytes,
        });
      })();
      db.close();
      vault.close();
      const files = objectFiles(t.dataRoot, terminal);
      expect(existing(files)).toBe(files.length);
      const atCrash = await verifyDataRoot(t.dataRoot, tsa.rootPem, true);
      expect(atCrash.items.filter((i) => i.status === 'fail')).toEqual([]);
      expect(purgedItems(atCrash)[0]?.message).toContain(`${files.length} item(s) not deleted yet`);

      // The next start finishes it, even with the daily schedule off: an open purge is not a new decision.
      const restarted = createEngine({
        dataRoot: t.dataRoot,
        passphrase: TEST_PASSPHRASE,
        keyring: null,
        scryptLogN: 14,
        httpPort: null,
        screen: null,
        tsa: null,
        windowMs: 300,
        retention: { days: 90, auto: false, checkEveryMs: 50 },
      });
      await restarted.start();
      try {
        await until(() => existing(files) === 0, 10_000, 'the purge to be finished');
      } finally {
        await restarted.stop();
      }
      const done = await verifyDataRoot(t.dataRoot, tsa.rootPem, true);
      expect(done.items.filter((i) => i.status === 'fail')).toEqual([]);
      expect(purgedItems(done)[0]?.message).not.toContain('not deleted yet');
      expect(records(t.dataRoot, terminal).filter((r) => r.body.kind === 'tombstone')).toHaveLength(1);
    } finally {
      await t.dispose();
    }
  }, 60_000);

  it('fails verification when a tombstone is forged or removed, and when content goes without one', async () => {
    const time = passingClock();
    const t = await startTestEngine({
      clock: time.clock,
      windowMs: 300,
      tsa: null,
      retention: { days: 30, auto: false, checkEveryMs: 50 },
    });
    try {
      const socket = t.info.socketPath;
      const purged = await recordTerminal(socket, 't_tamper', 3);
      const untouched = await recordTerminal(socket, 't_intact', 3);
      await until(
        () => [purged, untouched].every((id) => records(t.dataRoot, id).at(-1)?.body.final === true),
        10_000,
        'final',
      );
      time.advance(31 * DAY_MS);
      // auto off: nothing happens until asked; then only the session asked for.
      expect(((await controlRequest(socket, 'retention.status', {})) as RetentionStatus).due).toHaveLength(2);
      await controlRequest(socket, 'retention.purge', { id: purged });
      await t.engine.stop();
      expect((await verifyDataRoot(t.dataRoot, tsa.rootPem, true)).items.filter((i) => i.status === 'fail')).toEqual(
        [],
      );
      expect(filesContaining(t.dataRoot, 'secret output')).toEqual([]);

      const db = openIndexFile(t.dataRoot);
      const tomb = db
        .prepare<[string], { seq: number; record: Buffer }>(
          "SELECT seq, record FROM chain_records WHERE session_id = ? AND kind = 'tombstone'",
        )
        .get(purged)!;
      const codes = async (): Promise<string[]> =>
        (await verifyDataRoot(t.dataRoot, tsa.rootPem, true)).items
          .filter((i) => i.status === 'fail')
          .map((i) => i.code);

      // Forged: the tombstone claims a shorter policy (its bytes no longer match hash and signature).
      const forged = Buffer.from(tomb.record.toString('utf8').replace('"policyDays":30', '"policyDays":3'));
      db.prepare('UPDATE chain_records SET record = ? WHERE session_id = ? AND seq = ?').run(forged, purged, tomb.seq);
      let found = await codes();
      expect(found).toEqual(expect.arrayContaining(['RECORD_HASH', 'RECORD_SIGNATURE', 'MEDIA_MISSING']));

      // Removed: the chain lacks the tombstone the index recorded, and the missing content is unexcused.
      db.prepare('DELETE FROM chain_records WHERE session_id = ? AND seq = ?').run(purged, tomb.seq);
      found = await codes();
      expect(found).toEqual(expect.arrayContaining(['TOMBSTONE_MISSING', 'MEDIA_MISSING']));
      expect(found).not.toContain('RECORD_HASH');

      // Content deleted without a tombstone (the intact session) still fails as before.
      const gone = objectFiles(t.dataRoot, untouched)[1]!;
      fs.rmSync(gone.file);
      const report = await verifyDataRoot(t.dataRoot, tsa.rootPem, true);
      expect(report.items.find((i) => i.item === `session ${untouched} media ${gone.seq}`)?.code).toBe('MEDIA_MISSING');
      db.close();
    } finally {
      await t.dispose();
    }
  }, 60_000);
});
