import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { AevError } from '../../common/errors.ts';
import { AgeEncryptor } from '../age/age-encrypt.ts';
import { parseRecipient } from '../age/age-keys.ts';
import { fsError } from '../vault/durable-file.ts';
import { BufferedFileWriter } from './buffered-file.ts';

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
 * the caller's explicit choice) it is written as is. Bytes go to `<out>.partial` (0600) through large
 * buffered writes and are renamed into place only when complete and fsync'd.
 */
export async function openBundleSink(out: string, recipients: readonly string[]): Promise<BundleSink> {
  const partial = `${out}.partial`;
  if (fs.existsSync(out)) throw new AevError('E_USAGE', `${out} already exists; choose another --out`);
  // Recipients are checked before the file exists, so a typo leaves nothing behind.
  const encryptor = recipients.length === 0 ? null : new AgeEncryptor(recipients);
  let handle: FileHandle;
  try {
    handle = await fsp.open(partial, 'wx', 0o600);
  } catch (cause) {
    throw new AevError('E_IO', `cannot create ${partial}`, undefined, { cause });
  }
  const file = new BufferedFileWriter(handle);
  const pieces: Buffer[] = [];
  const writePieces = async (): Promise<void> => {
    for (const p of pieces) await file.write(p);
    pieces.length = 0;
  };
  const remove = async (): Promise<void> => {
    await file.settle();
    await handle.close().catch(() => undefined);
    await fsp.rm(partial, { force: true });
  };
  return {
    async write(chunk) {
      try {
        if (encryptor === null) await file.write(chunk);
        else {
          encryptor.push(chunk, pieces);
          await writePieces();
        }
      } catch (cause) {
        throw fsError(cause, 'write', partial);
      }
    },
    async close() {
      try {
        encryptor?.finish(pieces);
        await writePieces();
        await file.close();
        await handle.close();
        await fsp.rename(partial, out);
      } catch (cause) {
        await remove();
        throw new AevError('E_IO', `cannot write ${out}`, undefined, { cause });
      }
    },
    async abort() {
      await remove();
    },
  };
}
