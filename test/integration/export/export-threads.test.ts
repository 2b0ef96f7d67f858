import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../../electron/engine/age/age-keys.ts';
import { exportBundle } from '../../../electron/engine/export/export-bundle.ts';
import type { ExportOptions } from '../../../electron/engine/export/export-bundle.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { RawClient, terminalOpenFrame } from '../../helpers/raw-client.ts';
import { processCounts } from '../../helpers/process-counts.ts';
import { openIndexFile, until } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { decryptWithUs } from '../../unit/engine/age/age-helpers.ts';

/**
 * The export's vault reader and bundle writer threads on a real recording (a terminal session sealed by a
 * real engine, its chunks real vault objects): a vault object that fails authentication or is missing fails
 * the export with the vault's own code, nothing is renamed into place, and no thread or descriptor is left.
 */
describe.skipIf(process.platform !== 'linux')('export threads', () => {
  const work = makeTempDir('aev-export-threads-');
  let t: TestEngine;
  let options: (out: string) => ExportOptions;
  let key: ReturnType<typeof generateIdentity>;
  let objectFiles: string[];

  beforeAll(async () => {
    t = await startTestEngine({ windowMs: 300 });
    const term = await RawClient.hello(t.info.socketPath);
    term.send(terminalOpenFrame('o', 't_threads'));
    const sessionId = ((await term.waitFor((f) => f.id === 'o')) as { value: { sessionId: string } }).value.sessionId;
    for (let i = 0; i < 4; i++) {
      term.send({
        type: 'terminal.data',
        id: `d${i}`,
        terminalId: 't_threads',
        events: [[i + 0.5, 'o', `line ${i} ${'x'.repeat(20_000)}\r\n`]],
      });
      await term.waitFor((f) => f.id === `d${i}`);
      await new Promise((r) => setTimeout(r, 350));
    }
    term.send({ type: 'terminal.close', id: 'c', terminalId: 't_threads', exitCode: 0 });
    await term.waitFor((f) => f.id === 'c');
    term.close();
    await until(() => t.engine.status().sealing.unsealedEvents === 0, 15_000, 'sealed');
    await new Promise((r) => setTimeout(r, 800));
    await t.engine.stop();
    const db = openIndexFile(t.dataRoot, true);
    const rows = db
      .prepare<[string], { object_id: string; kind: string }>(
        'SELECT object_id, kind FROM media WHERE session_id = ? ORDER BY seq',
      )
      .all(sessionId);
    db.close();
    objectFiles = rows.map((r) => {
      const dir = path.join(t.dataRoot, 'vault', 'objects', r.kind);
      const file = fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .find((f) => path.basename(f) === `${r.object_id}.aev`);
      if (file === undefined) throw new Error(`no file for object ${r.object_id}`);
      return path.join(dir, file);
    });
    key = generateIdentity();
    options = (out) => ({
      dataRoot: t.dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      sessionId,
      range: { kind: 'time', from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' },
      out,
      recipients: [key.recipient],
      plain: false,
      withhold: [],
      trustPem: '',
      env: { PATH: '/nonexistent' },
    });
  }, 60_000);

  afterAll(async () => {
    await t.dispose();
    work.cleanup();
  });

  it('exports the terminal chunks through both threads and leaves no thread or descriptor behind', async () => {
    expect(objectFiles.length).toBeGreaterThan(1);
    await exportBundle(options(path.join(work.dir, 'warm.aevb'))); // pools started on first use
    const before = processCounts();
    const out = path.join(work.dir, 'ok.aevb');
    const r = await exportBundle(options(out));
    expect(processCounts()).toEqual(before);
    expect(r.sessions[0]?.media).toBe(objectFiles.length);
    const tar = await decryptWithUs(fs.readFileSync(out), key.identity, 1 << 20);
    expect(tar.includes(Buffer.from(`line 3 ${'x'.repeat(20_000)}`))).toBe(true);
  });

  it('refuses with E_OBJECT_CORRUPT when a chunk was changed in the vault, and writes no bundle', async () => {
    const file = objectFiles[1] ?? '';
    const original = fs.readFileSync(file);
    const changed = Buffer.from(original);
    changed[changed.length - 40] = (changed[changed.length - 40] ?? 0) ^ 1;
    fs.writeFileSync(file, changed);
    try {
      const before = processCounts();
      const out = path.join(work.dir, 'corrupt.aevb');
      await expect(exportBundle(options(out))).rejects.toMatchObject({ code: 'E_OBJECT_CORRUPT' });
      expect(fs.existsSync(out) || fs.existsSync(`${out}.partial`)).toBe(false);
      expect(processCounts()).toEqual(before);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('refuses with E_OBJECT_MISSING when a chunk is gone from the vault', async () => {
    const file = objectFiles.at(-1) ?? '';
    const original = fs.readFileSync(file);
    fs.rmSync(file);
    try {
      const out = path.join(work.dir, 'missing.aevb');
      await expect(exportBundle(options(out))).rejects.toMatchObject({ code: 'E_OBJECT_MISSING' });
      expect(fs.existsSync(out) || fs.existsSync(`${out}.partial`)).toBe(false);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  /** Runs `change` on the index (writable), then `check`, then puts the index back as it was. */
  async function withIndexChanged(change: (db: ReturnType<typeof openIndexFile>) => void, check: () => Promise<void>) {
    const files = ['index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm'].map((f) => path.join(t.dataRoot, f));
    const saved = files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f) : null));
    const db = openIndexFile(t.dataRoot);
    try {
      change(db);
    } finally {
      db.close();
    }
    try {
      await check();
    } finally {
      for (const [i, f] of files.entries()) {
        const bytes = saved[i];
        if (bytes === null || bytes === undefined) fs.rmSync(f, { force: true });
        else fs.writeFileSync(f, bytes);
      }
    }
  }

  it('refuses a window whose media rows do not match its record (read ahead across windows)', async () => {
    await withIndexChanged(
      (db) => {
        // The second chunk's row goes: its window now holds fewer items than its record sealed.
        const row = db.prepare('SELECT session_id, seq FROM media ORDER BY session_id, seq').all()[1] as {
          session_id: string;
          seq: number;
        };
        db.prepare('DELETE FROM media WHERE session_id = ? AND seq = ?').run(row.session_id, row.seq);
      },
      async () => {
        const before = processCounts();
        const out = path.join(work.dir, 'short-window.aevb');
        await expect(exportBundle(options(out))).rejects.toMatchObject({
          code: 'E_OBJECT_CORRUPT',
          message: expect.stringMatching(/\d+ of \d+ media items are stored/) as unknown,
        });
        expect(fs.existsSync(out) || fs.existsSync(`${out}.partial`)).toBe(false);
        expect(processCounts()).toEqual(before);
      },
    );
  });

  it('refuses an item whose stored descriptor does not match its vault object', async () => {
    await withIndexChanged(
      (db) => {
        const row = db.prepare('SELECT session_id, seq, descriptor FROM media ORDER BY session_id, seq').all()[2] as {
          session_id: string;
          seq: number;
          descriptor: Buffer;
        };
        const d = JSON.parse(row.descriptor.toString('utf8')) as { bytes: number };
        d.bytes += 1;
        db.prepare('UPDATE media SET descriptor = ? WHERE session_id = ? AND seq = ?').run(
          Buffer.from(JSON.stringify(d)),
          row.session_id,
          row.seq,
        );
      },
      async () => {
        const out = path.join(work.dir, 'descriptor.aevb');
        await expect(exportBundle(options(out))).rejects.toMatchObject({
          code: 'E_OBJECT_CORRUPT',
          message: expect.stringMatching(/does not match its descriptor/) as unknown,
        });
        expect(fs.existsSync(out) || fs.existsSync(`${out}.partial`)).toBe(false);
      },
    );
  });
});
