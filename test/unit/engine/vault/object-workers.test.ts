import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEGMENT_BYTES } from '../../../../electron/engine/vault/segmented-aead.ts';
import { ObjectWorkers } from '../../../../electron/engine/vault/object-workers.ts';
import { WorkerGone } from '../../../../electron/engine/runtime/worker-pool.ts';
import { createVault } from '../../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../../electron/engine/vault/vault.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { expectAevError } from './expect-aev-error.ts';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('vault objects sealed and digested in worker threads', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let vault: Vault;

  beforeEach(async () => {
    tmp = makeTempDir();
    vault = await createVault({
      vaultDir: path.join(tmp.dir, 'vault'),
      keyring: null,
      passphrase: 'object worker test passphrase',
      scryptLogN: 14,
    });
  });
  afterEach(() => {
    vault.close();
    tmp.cleanup();
  });

  it('gives each of many objects written and hashed at once its own bytes and digest', async () => {
    // More objects than workers and spare shared buffers, of sizes that share and do not share a buffer.
    const objects = Array.from({ length: 14 }, (_, i) => randomBytes(SEGMENT_BYTES * (1 + (i % 5)) + i * 977));
    const puts = await Promise.all(objects.map((data, i) => vault.objects.put('video-fragment', `w_${i}`, data)));
    puts.forEach((put, i) => {
      const data = objects[i] ?? Buffer.alloc(0);
      expect(put).toMatchObject({ size: data.length, sha256: sha256(data) });
    });
    const digests = await Promise.all(objects.map((_, i) => vault.objects.digest('video-fragment', `w_${i}`)));
    digests.forEach((digest, i) => {
      const data = objects[i] ?? Buffer.alloc(0);
      expect(digest).toEqual({ size: data.length, sha256: sha256(data) });
    });
    // What a worker sealed, this thread opens (and the reverse: small objects are sealed here).
    for (const [i, data] of objects.entries())
      expect((await vault.objects.get('video-fragment', `w_${i}`)).equals(data)).toBe(true);
    await vault.objects.put('terminal', 'small', Buffer.from('sealed on the engine thread'));
    expect(await vault.objects.digest('terminal', 'small')).toMatchObject({ size: 27 });
  });

  it('writes a worker-sealed object as a 0600 file with no temp file left beside it', async () => {
    await vault.objects.put('video-fragment', 'perm', randomBytes(3 * SEGMENT_BYTES));
    const file = vault.objects.pathOf('video-fragment', 'perm');
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['perm.aev']);
  });

  it('names the object when a worker finds it missing, changed, or cut short', async () => {
    await expectAevError(vault.objects.digest('still', 'st_absent'), 'E_OBJECT_MISSING', 'st_absent');
    const data = randomBytes(2 * SEGMENT_BYTES + 5);
    await vault.objects.put('still', 'st_changed', data);
    const file = vault.objects.pathOf('still', 'st_changed');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0x80;
    fs.writeFileSync(file, bytes);
    await expectAevError(vault.objects.digest('still', 'st_changed'), 'E_OBJECT_CORRUPT', 'st_changed');
    fs.writeFileSync(file, bytes.subarray(0, 38 + SEGMENT_BYTES + 16));
    await expectAevError(vault.objects.digest('still', 'st_changed'), 'E_OBJECT_CORRUPT', 'st_changed');
  });

  it('stops using the workers once the vault is closed', async () => {
    await vault.objects.put('video-fragment', 'before-close', randomBytes(SEGMENT_BYTES));
    vault.close();
    await expectAevError(vault.objects.digest('video-fragment', 'before-close'), 'E_VAULT_LOCKED');
    await expectAevError(
      vault.objects.put('video-fragment', 'after-close', randomBytes(SEGMENT_BYTES)),
      'E_VAULT_LOCKED',
    );
  });
});

describe('the object worker pool', () => {
  it('answers requests sent before close, then refuses new ones so the store does them itself', async () => {
    const tmp = makeTempDir();
    try {
      const workers = new ObjectWorkers('pool-test-vault', randomBytes(32), 1);
      const file = path.join(tmp.dir, 'one.aev');
      const data = randomBytes(SEGMENT_BYTES + 1);
      const written = workers.put(file, 'other', 'one', data);
      workers.close();
      expect(await written).toMatchObject({ ok: true, size: data.length, sha256: sha256(data) });
      expect(fs.existsSync(file)).toBe(true);
      expect(workers.usable).toBe(false);
      await expect(workers.digest(file, 'other', 'one')).rejects.toBeInstanceOf(WorkerGone);
    } finally {
      tmp.cleanup();
    }
  });
});
