import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import { openBytes, SEAL_OVERHEAD, sealBytes } from './aead.ts';
import { fsError, removeDurableFile, writeDurableFile } from './durable-file.ts';

export const OBJECT_KINDS = [
  'event-payload',
  'video-init',
  'video-fragment',
  'terminal',
  'still',
  'transcript',
  'device-key',
  'tsa-response',
  'export',
  'other',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

// File header: magic + format version. The version is also bound into the AAD, so a file cannot be
// relabelled to another version without failing authentication.
const MAGIC = Buffer.from('AEVO', 'ascii');
const FORMAT_VERSION = 1;
const HEADER = Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION])]);

// A safe file-name stem on every OS: no separators, no leading dot, no `..`, bounded length, and none
// of the Windows device names (CON, NUL, COM1...) that open a device instead of a file.
const ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

export function isValidObjectId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.includes('..') && !WINDOWS_DEVICE.test(id);
}

/**
 * Encrypted objects (DESIGN.md §5, invariant I1): AES-256-GCM under the vault's `objects` subkey, one
 * random IV per write, AAD binding format version, vault id, kind and id, so a file copied or swapped
 * onto another object's path fails to open. Plaintext only ever lives in memory.
 * Layout: <vaultDir>/objects/<kind>/<2 hex of sha256(id)>/<id>.aev, files 0600 in 0700 folders.
 */
export class ObjectStore {
  readonly #root: string;
  readonly #vaultId: string;
  readonly #key: () => Buffer;
  readonly #madeDirs = new Set<string>();

  /** `key` returns the current objects subkey and throws once the vault is closed. */
  constructor(vaultDir: string, vaultId: string, key: () => Buffer) {
    this.#root = path.join(vaultDir, 'objects');
    this.#vaultId = vaultId;
    this.#key = key;
  }

  /** Encrypts and stores `data` durably (replacing any object with this kind and id); `size` is the plaintext length. */
  async put(
    kind: ObjectKind,
    id: string,
    data: Buffer,
  ): Promise<{ readonly size: number; readonly storedSize: number }> {
    const file = this.pathOf(kind, id);
    const sealed = Buffer.concat([HEADER, sealBytes(this.#key(), data, this.#aad(kind, id))]);
    await this.#ensureDir(path.dirname(file));
    await writeDurableFile(file, sealed);
    return { size: data.length, storedSize: sealed.length };
  }

  async get(kind: ObjectKind, id: string): Promise<Buffer> {
    const file = this.pathOf(kind, id);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AevError('E_OBJECT_MISSING', `the ${kind} object ${id} is not in the vault`, { kind, id }, { cause });
      }
      throw fsError(cause, 'read', file);
    }
    if (bytes.length < HEADER.length + SEAL_OVERHEAD || !bytes.subarray(0, HEADER.length).equals(HEADER)) {
      throw new AevError('E_OBJECT_CORRUPT', `the ${kind} object ${id} has no valid vault header`, { kind, id, file });
    }
    try {
      return openBytes(this.#key(), bytes.subarray(HEADER.length), this.#aad(kind, id));
    } catch (cause) {
      if (cause instanceof AevError && cause.code === 'E_OBJECT_CORRUPT') {
        throw new AevError(
          'E_OBJECT_CORRUPT',
          `the ${kind} object ${id} fails authentication: it was changed or replaced`,
          { kind, id, file },
          { cause },
        );
      }
      throw cause;
    }
  }

  has(kind: ObjectKind, id: string): boolean {
    return fs.existsSync(this.pathOf(kind, id));
  }

  /** Removes the object durably; removing an absent object is not an error. */
  async delete(kind: ObjectKind, id: string): Promise<void> {
    const file = this.pathOf(kind, id);
    if (!fs.existsSync(path.dirname(file))) return;
    await removeDurableFile(file);
  }

  /** Where the object lives on disk (for tamper tests and diagnostics); validates kind and id. */
  pathOf(kind: ObjectKind, id: string): string {
    if (!(OBJECT_KINDS as readonly string[]).includes(kind)) {
      throw new AevError('E_USAGE', `unknown object kind ${JSON.stringify(kind)}`, { kind });
    }
    if (!isValidObjectId(id)) {
      throw new AevError(
        'E_USAGE',
        `invalid object id ${JSON.stringify(id.slice(0, 64))}: use 1-128 of A-Z a-z 0-9 _ . - (no leading dot, no "..")`,
        { kind },
      );
    }
    const shard = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 2);
    return path.join(this.#root, kind, shard, `${id}.aev`);
  }

  #aad(kind: ObjectKind, id: string): Buffer {
    return Buffer.concat([
      HEADER,
      Buffer.from(`agent-evidence/v1/object\u0000${this.#vaultId}\u0000${kind}\u0000${id}`, 'utf8'),
    ]);
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#madeDirs.has(dir)) return;
    try {
      // Every folder this creates (objects/, objects/<kind>/, the shard) gets 0700.
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw fsError(cause, 'create', dir);
    }
    this.#madeDirs.add(dir);
  }
}
