import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyCode } from '../../../electron/common/model/verification.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { openIndexFile, sendEvents, until, verifyDataRoot } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';

/**
 * Invariant I5: any changed, missing, reordered or substituted byte makes verification fail and names
 * the item. One sealed, stamped data root is made once; every case tampers with its own copy.
 */
describe('tamper evidence', () => {
  const work = makeTempDir();
  let tsa: OpensslTsa;
  let pristine: string;
  let sessionId: string;
  let otherSessionId: string;

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    const t = await startTestEngine({
      windowMs: 300,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
    });
    // Three windows, each stamped, so tokens can be swapped between records.
    for (let w = 0; w < 3; w++) {
      const acks = await sendEvents(t.info.socketPath, 'tamper', 4);
      sessionId = acks[0]!.sessionId;
      otherSessionId = (await sendEvents(t.info.socketPath, 'tamper-other', 2))[0]!.sessionId;
      await until(
        () => t.engine.status().sealing.unsealedEvents === 0 && t.engine.status().sealing.tsa.pending === 0,
        10_000,
        'sealed and stamped',
      );
    }
    pristine = t.dataRoot;
    await t.engine.stop();
    const clean = await verifyDataRoot(pristine, tsa.rootPem);
    expect(clean.items.filter((i) => i.status !== 'pass')).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await tsa.close();
    work.cleanup();
  });

  let n = 0;
  function copyOf(): string {
    const dir = path.join(work.dir, `case-${n++}`);
    fs.cpSync(pristine, dir, { recursive: true });
    return dir;
  }

  async function expectFailure(dataRoot: string, code: VerifyCode, itemPattern: RegExp): Promise<void> {
    const report = await verifyDataRoot(dataRoot, tsa.rootPem);
    expect(report.ok).toBe(false);
    const failures = report.items.filter((i) => i.status === 'fail');
    expect(
      failures.some((f) => f.code === code && itemPattern.test(f.item)),
      JSON.stringify(failures, null, 1),
    ).toBe(true);
  }

  function sql(dataRoot: string, statement: string, ...args: unknown[]): void {
    const db = openIndexFile(dataRoot);
    db.prepare(statement).run(...args);
    db.close();
  }

  it('names the event whose ciphertext had one byte flipped', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    const row = db
      .prepare<[], { id: string; payload_ct: Buffer }>('SELECT id, payload_ct FROM events WHERE seq = 5')
      .get()!;
    row.payload_ct[40] = row.payload_ct[40]! ^ 0x01;
    db.prepare('UPDATE events SET payload_ct = ? WHERE id = ?').run(row.payload_ct, row.id);
    db.close();
    await expectFailure(d, 'EVENT_CIPHERTEXT', /event 5$/);
  });

  it('names the event whose clear digest was changed', async () => {
    const d = copyOf();
    sql(d, 'UPDATE events SET digest = zeroblob(32) WHERE seq = 2');
    await expectFailure(d, 'EVENT_DIGEST', /event 2$/);
  });

  it('names the window when an event is deleted', async () => {
    const d = copyOf();
    // The record that sealed event 6 (usually the second; a window may close mid-send on a busy machine).
    const db = openIndexFile(d, true);
    const sealing = db
      .prepare<[string], { seq: number; record: Buffer }>(
        "SELECT seq, record FROM chain_records WHERE session_id = ? AND kind = 'window' ORDER BY seq",
      )
      .all(sessionId)
      .find((r) => {
        const e = (JSON.parse(r.record.toString()) as { events: { firstSeq: number | null; lastSeq: number | null } })
          .events;
        return e.firstSeq !== null && e.lastSeq !== null && e.firstSeq <= 6 && e.lastSeq >= 6;
      });
    db.close();
    expect(sealing, 'a record seals event 6').toBeDefined();
    sql(d, 'DELETE FROM events WHERE seq = 6');
    await expectFailure(d, 'EVENT_MISSING', /event 6$/);
    await expectFailure(d, 'EVENTS_ROOT', new RegExp(`record ${sealing?.seq ?? 0} events$`));
  });

  it('names the record with one byte changed', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    const r = db.prepare<[], { record: Buffer }>('SELECT record FROM chain_records WHERE seq = 2').get()!;
    const text = r.record.toString().replace('"final":false', '"final":true ');
    db.prepare('UPDATE chain_records SET record = ? WHERE seq = 2').run(Buffer.from(text));
    db.close();
    await expectFailure(d, 'RECORD_HASH', /record 2$/);
    await expectFailure(d, 'RECORD_SIGNATURE', /record 2$/);
  });

  it('detects a deleted record', async () => {
    const d = copyOf();
    sql(d, 'DELETE FROM chain_records WHERE seq = 2');
    await expectFailure(d, 'RECORD_SEQ', /record 3$/);
    await expectFailure(d, 'RECORD_LINK', /record 3$/);
  });

  it('detects reordered records', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    db.transaction(() => {
      db.prepare('UPDATE chain_records SET seq = -1 WHERE seq = 1').run();
      db.prepare('UPDATE chain_records SET seq = 1 WHERE seq = 2').run();
      db.prepare('UPDATE chain_records SET seq = 2 WHERE seq = -1').run();
    })();
    db.close();
    await expectFailure(d, 'RECORD_SEQ', /record 1$/);
    await expectFailure(d, 'RECORD_LINK', /record 1$/);
  });

  it('detects a duplicated record', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    // How many windows the timer cut depends on timing: the duplicate goes after the last one.
    const next = (
      db.prepare('SELECT MAX(seq) + 1 AS n FROM chain_records WHERE session_id = ?').get(sessionId) as {
        n: number;
      }
    ).n;
    db.prepare(
      `INSERT INTO chain_records (session_id, seq, kind, record, record_hash, signature, sealed_at)
       SELECT session_id, @next, kind, record, zeroblob(32), signature, sealed_at
         FROM chain_records WHERE session_id = @s AND seq = 2`,
    ).run({ s: sessionId, next });
    db.close();
    await expectFailure(d, 'RECORD_SEQ', new RegExp(`record ${String(next)}$`));
  });

  it('detects tokens swapped between records', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    const tokens = db
      .prepare<[string], { id: number; seq: number }>(
        'SELECT id, seq FROM tsa_tokens WHERE session_id = ? ORDER BY seq',
      )
      .all(sessionId);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    db.transaction(() => {
      db.prepare('UPDATE tsa_tokens SET seq = -1 WHERE id = ?').run(tokens[0]!.id);
      db.prepare('UPDATE tsa_tokens SET seq = ? WHERE id = ?').run(tokens[0]!.seq, tokens[1]!.id);
      db.prepare('UPDATE tsa_tokens SET seq = ? WHERE id = ?').run(tokens[1]!.seq, tokens[0]!.id);
    })();
    db.close();
    await expectFailure(d, 'TOKEN_IMPRINT', new RegExp(`token on record ${tokens[0]!.seq} `));
  });

  it('names a token with one byte flipped', async () => {
    const d = copyOf();
    const db = openIndexFile(d);
    const t = db
      .prepare<[string], { id: number; seq: number; response: Buffer }>(
        'SELECT id, seq, response FROM tsa_tokens WHERE session_id = ? ORDER BY seq DESC',
      )
      .get(sessionId)!;
    t.response[t.response.length - 20] = t.response[t.response.length - 20]! ^ 0xff;
    db.prepare('UPDATE tsa_tokens SET response = ? WHERE id = ?').run(t.response, t.id);
    db.close();
    await expectFailure(d, 'TOKEN_INVALID', new RegExp(`token on record ${t.seq} `));
  });

  it('names the window substituted from another session', async () => {
    const d = copyOf();
    sql(
      d,
      `UPDATE chain_records SET (record, signature) =
         (SELECT record, signature FROM chain_records WHERE session_id = ? AND seq = 2)
       WHERE session_id = ? AND seq = 2`,
      otherSessionId,
      sessionId,
    );
    await expectFailure(d, 'RECORD_SESSION', new RegExp(`session ${sessionId} record 2$`));
    await expectFailure(d, 'RECORD_LINK', new RegExp(`session ${sessionId} record 2$`));
  });

  it('says so when the device key object was altered', async () => {
    const d = copyOf();
    const keyFile = listFiles(path.join(runtimePaths(d).vaultDir, 'objects', 'device-key'))[0]!;
    const bytes = fs.readFileSync(keyFile);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    fs.writeFileSync(keyFile, bytes);
    await expectFailure(d, 'DEVICE_KEY', /device key/);
  });
});
