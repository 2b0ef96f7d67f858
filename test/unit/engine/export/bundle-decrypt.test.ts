import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ageEncrypt } from '../../../../electron/engine/age/age-encrypt.ts';
import { generateIdentity } from '../../../../electron/engine/age/age-keys.ts';
import { UstarWriter } from '../../../../electron/engine/export/ustar-writer.ts';
import { verifyBundle } from '../../../../electron/engine/verify/bundle/verify-bundle.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const tmp = makeTempDir('aev-bundle-age-');
afterAll(() => {
  tmp.cleanup();
});

const key = generateIdentity();
const keyFile = path.join(tmp.dir, 'key.txt');
fs.writeFileSync(keyFile, `${key.identity}\n`);

/** An encrypted archive of a few hundred KiB (several age chunks), not a whole bundle: the archive step fails first. */
async function encryptedArchive(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const w = new UstarWriter((c) => {
    chunks.push(c);
    return Promise.resolve();
  }, 1_700_000_000);
  await w.addFile('manifest.json', Buffer.from('{}'));
  await w.addFile('sessions/s/media/1.m4s', randomBytes(300_000));
  await w.finish();
  return ageEncrypt(Buffer.concat(chunks), [key.recipient]);
}

async function archiveItem(bytes: Buffer, name: string): Promise<{ code?: string; message: string }> {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, bytes);
  const report = await verifyBundle({ file, identityFile: keyFile });
  expect(report.ok).toBe(false);
  const archive = report.items.find((i) => i.item === 'archive');
  return { ...(archive?.code === undefined ? {} : { code: archive.code }), message: archive?.message ?? '' };
}

describe('aev verify on a damaged encrypted bundle', () => {
  it('names a cut-short ciphertext as a decryption failure with the age reason', async () => {
    const file = await encryptedArchive();
    const r = await archiveItem(file.subarray(0, file.length - 70_000), 'cut.age');
    expect(r.code).toBe('BUNDLE_DECRYPT');
    expect(r.message).toMatch(/damaged.*E_AGE_AUTH/);
  });

  it('names one flipped ciphertext byte the same way, not as a tar error', async () => {
    const file = await encryptedArchive();
    file[file.length - 100_000] = (file[file.length - 100_000] ?? 0) ^ 0x80;
    const r = await archiveItem(file, 'flipped.age');
    expect(r.code).toBe('BUNDLE_DECRYPT');
    expect(r.message).toMatch(/E_AGE_AUTH/);
  });

  it('says when the identity is not a recipient of the bundle', async () => {
    const other = generateIdentity();
    const r = await archiveItem(ageEncrypt(Buffer.alloc(1024), [other.recipient]), 'foreign.age');
    expect(r.code).toBe('BUNDLE_DECRYPT');
    expect(r.message).toMatch(/cannot decrypt the bundle.*E_AGE_NO_IDENTITY/);
  });
});
