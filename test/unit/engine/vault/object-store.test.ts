import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OBJECT_READ_BYTES } from '../../../../electron/engine/vault/object-format.ts';
import { OBJECT_KINDS } from '../../../../electron/engine/vault/object-store.ts';
import { createVault } from '../../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../../electron/engine/vault/vault.ts';
import { filesContaining, listFiles, makeTempDir } from '../../../helpers/temp-dir.ts';
import { expectAevError } from './expect-aev-error.ts';

const MARKER = 'PLAINTEXT-MARKER-7f3a9c';

function listDirs(root: string): string[] {
  const out: string[] = [root];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...listDirs(path.join(root, entry.name)));
  }
  return out;
}

describe('encrypted object store', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let vaultDir: string;
  let vault: Vault;

  beforeEach(async () => {
    tmp = makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
    vault = await createVault({ vaultDir, keyring: null, passphrase: 'object store test passphrase', scryptLogN: 14 });
  });
  afterEach(() => {
    vault.close();
    tmp.cleanup();
  });

  it('returns every kind of object exactly as stored, empty and multi-megabyte ones included', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    for (const kind of OBJECT_KINDS) {
      const put = await vault.objects.put(kind, `${kind}_01`, Buffer.from(`${kind} ${MARKER}`));
      expect(put.size).toBe(`${kind} ${MARKER}`.length);
    }
    await vault.objects.put('video-fragment', 'big', big);
    await vault.objects.put('other', 'empty', Buffer.alloc(0));
    for (const kind of OBJECT_KINDS) {
      expect((await vault.objects.get(kind, `${kind}_01`)).toString()).toBe(`${kind} ${MARKER}`);
    }
    expect((await vault.objects.get('video-fragment', 'big')).equals(big)).toBe(true);
    expect((await vault.objects.get('other', 'empty')).length).toBe(0);
  });

  it('never writes plaintext: no file under the vault holds the marker, and no temp file is left', async () => {
    await vault.objects.put('terminal', 'term-1', Buffer.from(`$ cat secrets.env\n${MARKER}\n`));
    await vault.objects.put('event-payload', 'ev_01', Buffer.from(JSON.stringify({ tool_input: MARKER })));
    await vault.objects.put('transcript', 'tr.1', Buffer.from(MARKER.repeat(1000)));
    const files = listFiles(vaultDir);
    expect(files.length).toBe(4);
    expect(filesContaining(vaultDir, MARKER)).toEqual([]);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes objects 0600 in 0700 folders', async () => {
    if (process.platform === 'win32') return;
    await vault.objects.put('still', 'st_1', Buffer.from('png'));
    await vault.objects.put('video-init', 'init', Buffer.from('ftyp'));
    for (const file of listFiles(vaultDir))
      expect({ file, mode: fs.statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    for (const dir of listDirs(vaultDir))
      expect({ dir, mode: fs.statSync(dir).mode & 0o777 }).toEqual({ dir, mode: 0o700 });
  });

  it('lays objects out as objects/<kind>/<shard>/<id>.aev', async () => {
    await vault.objects.put('still', 'st_1', Buffer.from('png'));
    const rel = path.relative(vaultDir, vault.objects.pathOf('still', 'st_1')).split(path.sep);
    expect(rel).toHaveLength(4);
    expect(rel[0]).toBe('objects');
    expect(rel[1]).toBe('still');
    expect(rel[2]).toMatch(/^[0-9a-f]{2}$/);
    expect(rel[3]).toBe('st_1.aev');
    expect(fs.existsSync(vault.objects.pathOf('still', 'st_1'))).toBe(true);
  });

  it('seals the same bytes differently each time (fresh IV)', async () => {
    await vault.objects.put('other', 'a', Buffer.from(MARKER));
    await vault.objects.put('other', 'b', Buffer.from(MARKER));
    const a = fs.readFileSync(vault.objects.pathOf('other', 'a'));
    const b = fs.readFileSync(vault.objects.pathOf('other', 'b'));
    expect(a.subarray(5).equals(b.subarray(5))).toBe(false);
  });

  it('says E_OBJECT_CORRUPT when one byte of an object changes, wherever it is', async () => {
    await vault.objects.put('video-fragment', 'frag-1', randomBytes(4096));
    const file = vault.objects.pathOf('video-fragment', 'frag-1');
    const original = fs.readFileSync(file);
    for (const at of [0, 4, 5, 10, 100, original.length - 1]) {
      const bytes = Buffer.from(original);
      bytes[at] = (bytes[at] ?? 0) ^ 0x40;
      fs.writeFileSync(file, bytes);
      await expect(vault.objects.get('video-fragment', 'frag-1')).rejects.toMatchObject({ code: 'E_OBJECT_CORRUPT' });
    }
    fs.writeFileSync(file, original.subarray(0, 20));
    await expect(vault.objects.get('video-fragment', 'frag-1')).rejects.toMatchObject({ code: 'E_OBJECT_CORRUPT' });
  });

  it('reads with blocking calls (readSync) exactly what stream reads, freeing each piece once it was handed on', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await vault.objects.put('video-fragment', 'sync-1', big);
    const buffer = Buffer.allocUnsafe(OBJECT_READ_BYTES);
    const copies: Buffer[] = [];
    const seen: Buffer[] = [];
    const size = vault.objects.readSync('video-fragment', 'sync-1', buffer, (piece) => {
      copies.push(Buffer.from(piece));
      seen.push(piece);
    });
    expect(size).toBe(big.length);
    expect(Buffer.concat(copies).equals(big)).toBe(true);
    expect(copies.length).toBeGreaterThan(1);
    // Each 64 KiB segment's plaintext was handed back to the allocator once `each` returned.
    expect(seen.every((piece) => piece.length === 0)).toBe(true);
    expect(() => vault.objects.readSync('still', 'nope', buffer, () => undefined)).toThrow(
      expect.objectContaining({ code: 'E_OBJECT_MISSING' }),
    );
    const file = vault.objects.pathOf('video-fragment', 'sync-1');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 1;
    fs.writeFileSync(file, bytes);
    expect(() => vault.objects.readSync('video-fragment', 'sync-1', buffer, () => undefined)).toThrow(
      expect.objectContaining({ code: 'E_OBJECT_CORRUPT' }),
    );
  });

  it('detects two objects whose files were swapped', async () => {
    await vault.objects.put('event-payload', 'ev_A', Buffer.from('{"tool":"Read"}'));
    await vault.objects.put('event-payload', 'ev_B', Buffer.from('{"tool":"Bash"}'));
    const a = vault.objects.pathOf('event-payload', 'ev_A');
    const b = vault.objects.pathOf('event-payload', 'ev_B');
    const bytesA = fs.readFileSync(a);
    fs.writeFileSync(a, fs.readFileSync(b));
    fs.writeFileSync(b, bytesA);
    await expectAevError(vault.objects.get('event-payload', 'ev_A'), 'E_OBJECT_CORRUPT', 'ev_A');
    await expect(vault.objects.get('event-payload', 'ev_B')).rejects.toMatchObject({ code: 'E_OBJECT_CORRUPT' });
  });

  it('detects an object moved to another kind with the same id', async () => {
    await vault.objects.put('still', 'same-id', Buffer.from('a still'));
    await vault.objects.put('terminal', 'same-id', Buffer.from('terminal text'));
    fs.copyFileSync(vault.objects.pathOf('still', 'same-id'), vault.objects.pathOf('terminal', 'same-id'));
    await expect(vault.objects.get('terminal', 'same-id')).rejects.toMatchObject({ code: 'E_OBJECT_CORRUPT' });
  });

  it('detects an object copied in from another vault', async () => {
    const otherDir = path.join(tmp.dir, 'other-vault');
    const other = await createVault({
      vaultDir: otherDir,
      keyring: null,
      passphrase: 'another vault passphrase',
      scryptLogN: 14,
    });
    await other.objects.put('still', 'st_9', Buffer.from('from elsewhere'));
    await vault.objects.put('still', 'st_9', Buffer.from('ours'));
    fs.copyFileSync(other.objects.pathOf('still', 'st_9'), vault.objects.pathOf('still', 'st_9'));
    other.close();
    await expect(vault.objects.get('still', 'st_9')).rejects.toMatchObject({ code: 'E_OBJECT_CORRUPT' });
  });

  it('rejects ids that could escape the vault or misbehave as file names, writing nothing', async () => {
    const bad = [
      '',
      '.',
      '..',
      '../escape',
      '../../etc/passwd',
      'a/b',
      'a\\b',
      '.hidden',
      'a..b',
      'x'.repeat(129),
      'CON',
      'nul.txt',
      'a\u0000b',
      'é',
      'a b',
      '/abs',
    ];
    for (const id of bad) {
      await expect(vault.objects.put('other', id, Buffer.from(MARKER))).rejects.toMatchObject({ code: 'E_USAGE' });
      await expect(vault.objects.get('other', id)).rejects.toMatchObject({ code: 'E_USAGE' });
      expect(() => vault.objects.has('other', id)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
    await expect(vault.objects.put('../../x' as 'other', 'ok', Buffer.from('x'))).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    expect(listFiles(tmp.dir).filter((f) => !f.endsWith('keys.json'))).toEqual([]);
  });

  it('says E_OBJECT_MISSING for an absent object and deletes durably and idempotently', async () => {
    await expect(vault.objects.get('still', 'nope')).rejects.toMatchObject({ code: 'E_OBJECT_MISSING' });
    await vault.objects.put('still', 'st_2', Buffer.from('x'));
    expect(vault.objects.has('still', 'st_2')).toBe(true);
    await vault.objects.delete('still', 'st_2');
    expect(vault.objects.has('still', 'st_2')).toBe(false);
    await expect(vault.objects.get('still', 'st_2')).rejects.toMatchObject({ code: 'E_OBJECT_MISSING' });
    await vault.objects.delete('still', 'st_2');
    await vault.objects.delete('tsa-response', 'never-written');
  });

  it('replaces an object atomically when the same id is written again', async () => {
    await vault.objects.put('export', 'ex1', Buffer.from('first'));
    await vault.objects.put('export', 'ex1', Buffer.from('second'));
    expect((await vault.objects.get('export', 'ex1')).toString()).toBe('second');
  });
});
