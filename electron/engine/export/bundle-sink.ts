import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { AevError } from '../../common/errors.ts';
import { startAgeFile } from '../age/age-encrypt.ts';
import { parseRecipient } from '../age/age-keys.ts';
import { BundleWriterThread } from './bundle-writer-thread.ts';

/** Where the archive stream goes: a file, through age when there are recipients. */
export interface BundleSink {
  write(chunk: Buffer): Promise<void>;
  /** Flushes, fsyncs and moves the partial file to its final name. */
  close(): Promise<void>;
  /** Stops and removes the partial file. */
  abort(): Promise<void>;
}

/** `age1…` X25519 recipients (age-encryption.org/v1); anything else is a usage error, said up front. */
export function checkRecipients(recipients: readonly string[]): void {
  for (const r of recipients) parseRecipient(r);
}

/**
 * Opens `out` for a bundle. With recipients the tar stream is encrypted by age (native ChaCha20-Poly1305,
 * electron/engine/age) in memory before any byte reaches the disk (invariant I1); with none (`--plain`,
 * the caller's explicit choice) it is written as is. Encryption and writes run on a worker thread
 * (bundle-writer-thread.ts). Bytes go to `<out>.partial` (0600) and are renamed into place only when
 * complete and fsync'd; after any failure the partial file is removed, never renamed.
 */
export async function openBundleSink(out: string, recipients: readonly string[]): Promise<BundleSink> {
  const partial = `${out}.partial`;
  if (fs.existsSync(out)) throw new AevError('E_USAGE', `${out} already exists; choose another --out`);
  // Recipients are checked before the file exists, so a typo leaves nothing behind.
  const age = recipients.length === 0 ? null : startAgeFile(recipients);
  let handle: FileHandle;
  try {
    handle = await fsp.open(partial, 'wx', 0o600);
  } catch (cause) {
    throw new AevError('E_IO', `cannot create ${partial}`, undefined, { cause });
  }
  const writer = new BundleWriterThread(handle.fd, partial, age);
  // The thread is stopped before the descriptor is closed: it never writes to a closed (or reused) fd.
  const remove = async (): Promise<void> => {
    await writer.stop();
    await handle.close().catch(() => undefined);
    await fsp.rm(partial, { force: true });
  };
  return {
    async write(chunk) {
      await writer.write(chunk);
    },
    async close() {
      try {
        await writer.close();
        await handle.close();
        await fsp.rename(partial, out);
      } catch (cause) {
        await remove();
        throw cause instanceof AevError ? cause : new AevError('E_IO', `cannot write ${out}`, undefined, { cause });
      }
    },
    async abort() {
      await remove();
    },
  };
}
