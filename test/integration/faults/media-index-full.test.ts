import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureSessions } from '../../../electron/engine/capture/capture-sessions.ts';
import { MediaStore } from '../../../electron/engine/capture/media-store.ts';
import { openIndex } from '../../../electron/engine/index/open-index.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import { createVault } from '../../../electron/engine/vault/vault.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

// Seen in disk-full.test.ts on a real full tmpfs, now and then: a terminal chunk refused with
// E_INTERNAL "internal error". It happens when the vault object still fits but the index does not.
// Here the index is made full on purpose (SQLite's max_page_count, on the engine's own connection:
// SQLite then fails with SQLITE_FULL exactly as on a full disk), with a real vault and index file.
describe('media while the index is full', () => {
  const tmp = makeTempDir('aev-mfull-');
  afterAll(() => {
    tmp.cleanup();
  });

  // Was a bug (fixed): MediaStore.add (electron/engine/capture/media-store.ts) writes the vault object, then
  // inserts the media row in a SQLite transaction whose errors are not mapped: SQLITE_FULL reaches the
  // endpoint as a plain SqliteError and toErrorBody turns it into E_INTERNAL "internal error". Terminal
  // chunks, transcript chunks, stills and screen fragments are then refused (correctly, nothing is
  // acked) but with the wrong code, so `aev run` and the log cannot say the disk is full. EventWriter
  // maps the same failure to E_DISK_FULL (storageError); MediaStore should do the same (and remove the
  // object it just wrote, which is otherwise left behind as an orphan).
  it('refuses a media item with E_DISK_FULL when the index cannot grow', async () => {
    const dataRoot = path.join(tmp.dir, 'data');
    const vault = await createVault({
      vaultDir: path.join(dataRoot, 'vault'),
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      scryptLogN: 14,
    });
    const db = openIndex(path.join(dataRoot, 'index.sqlite'));
    try {
      const session = new CaptureSessions(db).open('terminal', 'claude-code', 't_full', Date.now());
      const media = new MediaStore(db, vault.objects, systemClock);
      const item = (n: number) => ({
        kind: 'terminal' as const,
        bytes: Buffer.from(`[${n}, "o", "${'x'.repeat(3000)}"]\n`),
        startMs: Date.now(),
        endMs: Date.now(),
      });
      await media.add(session, item(0));
      // No page more for this connection: the next insert that needs one fails with SQLITE_FULL.
      db.pragma(`max_page_count = ${String(db.pragma('page_count', { simple: true }))}`);
      let error: unknown;
      for (let n = 1; n < 50 && error === undefined; n++)
        await media.add(session, item(n)).catch((e: unknown) => (error = e));
      expect(error).toBeDefined();
      expect((error as { code?: string }).code).toBe('E_DISK_FULL');
    } finally {
      db.close();
      vault.close();
    }
  });
});
