import { Encrypter } from 'age-encryption';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { AevError } from '../../common/errors.ts';

/** Where the archive stream goes: a file, through age when there are recipients. */
export interface BundleSink {
  write(chunk: Buffer): Promise<void>;
  /** Flushes, fsyncs and moves the partial file to its final name. */
  close(): Promise<void>;
  /** Stops and removes the partial file. */
  abort(): Promise<void>;
}

/** `age1…` X25519 recipients (age-encryption.org/v1); anything else is a usage error, said up front. */
export function checkRecipients(recipients: readonly string[]): Encrypter {
  const e = new Encrypter();
  for (const r of recipients) {
    if (!/^age1[02-9ac-hj-np-z]{58}$/.test(r))
      throw new AevError('E_USAGE', `not an age X25519 recipient (age1…): ${JSON.stringify(r.slice(0, 80))}`);
    try {
      e.addRecipient(r);
    } catch (cause) {
      throw new AevError('E_USAGE', `not a valid age recipient: ${r}`, undefined, { cause });
    }
  }
  return e;
}

/**
 * Opens `out` for a bundle. With recipients the tar stream is encrypted by age in memory before any
 * byte reaches the disk (invariant I1); with none (`--plain`, the caller's explicit choice) it is
 * written as is. Bytes go to `<out>.partial` (0600) and are renamed into place only when complete.
 */
export async function openBundleSink(out: string, recipients: readonly string[]): Promise<BundleSink> {
  const partial = `${out}.partial`;
  if (fs.existsSync(out)) throw new AevError('E_USAGE', `${out} already exists; choose another --out`);
  let file: fs.WriteStream;
  try {
    file = fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => {
        resolve();
      });
      file.once('error', reject);
    });
  } catch (cause) {
    throw new AevError('E_IO', `cannot create ${partial}`, undefined, { cause });
  }
  const fileSink = Writable.toWeb(file) as WritableStream<Uint8Array>;
  let writer: WritableStreamDefaultWriter<Uint8Array>;
  let done: Promise<void>;
  if (recipients.length === 0) {
    writer = fileSink.getWriter();
    done = Promise.resolve();
  } else {
    const encrypter = checkRecipients(recipients);
    const plain = new TransformStream<Uint8Array, Uint8Array>();
    writer = plain.writable.getWriter();
    done = (await encrypter.encrypt(plain.readable)).pipeTo(fileSink);
    // Surfaced by close(); a rejected pipe also errors the writer, so write() cannot hang.
    done.catch(() => undefined);
  }
  const remove = (): void => {
    fs.rmSync(partial, { force: true });
  };
  return {
    async write(chunk) {
      await writer.ready;
      await writer.write(chunk);
    },
    async close() {
      try {
        await writer.close();
        await done;
        const fd = fs.openSync(partial, 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(partial, out);
      } catch (cause) {
        remove();
        throw new AevError('E_IO', `cannot write ${out}`, undefined, { cause });
      }
    },
    async abort() {
      await writer.abort().catch(() => undefined);
      await done.catch(() => undefined);
      file.destroy();
      remove();
    },
  };
}
