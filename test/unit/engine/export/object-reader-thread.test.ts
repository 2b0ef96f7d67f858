import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectReaderThread, READER_AHEAD } from '../../../../electron/engine/export/object-reader-thread.ts';
import { readAhead } from '../../../../electron/engine/export/read-ahead.ts';
import { createVault } from '../../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../../electron/engine/vault/vault.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const MiB = 1024 * 1024;

/**
 * The export's reader thread on a real vault: objects that fit a shared slot and objects larger than one
 * (sent back whole) come back byte for byte with their SHA-256, also with every slot in use at once.
 */
describe('export vault reader thread', () => {
  const tmp = makeTempDir('aev-reader-thread-');
  const vaultDir = path.join(tmp.dir, 'vault');
  let vault: Vault;
  const objects = new Map<string, Buffer>();

  beforeAll(async () => {
    vault = await createVault({ vaultDir, keyring: null, passphrase: 'reader thread test', scryptLogN: 14 });
    const sizes = [0, 1, 64 * 1024, MiB - 1, MiB, MiB + 1, 3 * MiB + 17];
    for (let i = 0; i < 3 * READER_AHEAD; i++) {
      const bytes = randomBytes(sizes[i % sizes.length] ?? 0);
      objects.set(`obj-${String(i)}`, bytes);
      await vault.objects.put('video-fragment', `obj-${String(i)}`, bytes);
    }
  });
  afterAll(() => {
    vault.close();
    tmp.cleanup();
  });

  it('reads small and larger-than-a-slot objects alike, many ahead, each exactly as stored', async () => {
    const reader = new ObjectReaderThread(vault, vaultDir);
    try {
      let n = 0;
      for await (const [id, r] of readAhead(
        [...objects.keys()],
        (id) => reader.read('video-fragment', id),
        READER_AHEAD,
      )) {
        const want = objects.get(id) ?? Buffer.alloc(0);
        const got = Buffer.concat([...r.content.pieces()]);
        expect(got.equals(want)).toBe(true);
        expect(r.sha256).toBe(createHash('sha256').update(want).digest('hex'));
        r.release();
        n += 1;
      }
      expect(n).toBe(objects.size);
    } finally {
      await reader.close();
    }
  });

  it("fails a read with the vault's own code for a missing object, and goes on reading", async () => {
    const reader = new ObjectReaderThread(vault, vaultDir);
    try {
      await expect(reader.read('video-fragment', 'nope')).rejects.toMatchObject({ code: 'E_OBJECT_MISSING' });
      const r = await reader.read('video-fragment', 'obj-6');
      expect(r.content.size).toBe(3 * MiB + 17);
      r.release();
    } finally {
      await reader.close();
    }
  });
});
