import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import { fsError, removeDurableFile, writeDurableFile } from './durable-file.ts';
import { openObject, openObjectSync, sealObject } from './object-format.ts';
import { ObjectWorkers } from './object-workers.ts';
import { WorkerGone, workerThreadCount } from '../runtime/worker-pool.ts';
import type { ObjectWorkerReply } from './object-workers.ts';

/**
 * Objects from this size on are sealed in the worker threads (object-workers.ts); smaller ones too
 * once the workers run. Below it, a process that only ever writes small objects (a CLI command, the
 * device key) starts no thread.
 */
const WORKER_MIN_BYTES = 64 * 1024;

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

// A safe file-name stem on every OS: no separators, no leading dot, no `..`, bounded length, and none
// of the Windows device names (CON, NUL, COM1...) that open a device instead of a file.
const ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

export function isValidObjectId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.includes('..') && !WINDOWS_DEVICE.test(id);
}

/**
 * Encrypted objects (DESIGN.md §5, invariant I1): AES-256-GCM under a key derived from the vault's
 * `objects` subkey, in 64 KiB authenticated segments (object-format.ts; objects written before that, one
 * GCM message each, still open), bound to the vault id, kind and id, so a file copied or swapped onto
 * another object's path fails to open. Plaintext only ever lives in memory.
 * Layout: <vaultDir>/objects/<kind>/<2 hex of sha256(id)>/<id>.aev, files 0600 in 0700 folders.
 */
export class ObjectStore {
  readonly #root: string;
  readonly #vaultId: string;
  readonly #key: () => Buffer;
  readonly #madeDirs = new Set<string>();
  #workers: ObjectWorkers | null = null;

  /** `key` returns the current objects subkey and throws once the vault is closed. */
  constructor(vaultDir: string, vaultId: string, key: () => Buffer) {
    this.#root = path.join(vaultDir, 'objects');
    this.#vaultId = vaultId;
    this.#key = key;
  }

  /**
   * Encrypts and stores `data` durably (replacing any object with this kind and id); `size` is the
   * plaintext length, `sha256` its hex SHA-256 (computed while encrypting, so callers need not hash again).
   */
  async put(
    kind: ObjectKind,
    id: string,
    data: Buffer,
  ): Promise<{ readonly size: number; readonly storedSize: number; readonly sha256: string }> {
    const file = this.pathOf(kind, id);
    const key = this.#key();
    await this.#ensureDir(path.dirname(file));
    const workers = this.#workers?.usable === true || data.length >= WORKER_MIN_BYTES ? this.#pool(key) : null;
    const reply = workers === null ? null : await workers.put(file, kind, id, data).catch(workerGone);
    if (reply !== null) {
      if (!reply.ok) throw replyError(reply, 'write', file);
      return { size: data.length, storedSize: reply.storedSize, sha256: reply.sha256 };
    }
    const sealed = sealObject(key, { vaultId: this.#vaultId, kind, id }, data);
    await writeDurableFile(file, sealed.pieces);
    return { size: data.length, storedSize: sealed.storedSize, sha256: sealed.sha256 };
  }

  /** The whole plaintext. */
  async get(kind: ObjectKind, id: string): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for await (const piece of this.stream(kind, id)) pieces.push(piece);
    return pieces.length === 1 && pieces[0] !== undefined ? pieces[0] : Buffer.concat(pieces);
  }

  /** The whole plaintext and its hex SHA-256, hashed piece by piece as it is decrypted. */
  async getWithDigest(kind: ObjectKind, id: string): Promise<{ readonly bytes: Buffer; readonly sha256: string }> {
    const hash = createHash('sha256');
    const pieces: Buffer[] = [];
    for await (const piece of this.stream(kind, id)) {
      hash.update(piece);
      pieces.push(piece);
    }
    const bytes = pieces.length === 1 && pieces[0] !== undefined ? pieces[0] : Buffer.concat(pieces);
    return { bytes, sha256: hash.digest('hex') };
  }

  /**
   * The plaintext's length and hex SHA-256 in one streaming pass, never holding the whole plaintext.
   * Done by a worker thread (object-workers.ts): digests of many objects asked for at once (verification)
   * run on all cores.
   */
  async digest(kind: ObjectKind, id: string): Promise<{ readonly size: number; readonly sha256: string }> {
    const file = this.pathOf(kind, id);
    const workers = this.#pool(this.#key());
    const reply = workers === null ? null : await workers.digest(file, kind, id).catch(workerGone);
    if (reply !== null) {
      if (reply.ok) return { size: reply.size, sha256: reply.sha256 };
      if (reply.errno === 'ENOENT') throw missing(kind, id, undefined);
      if (reply.code === 'E_OBJECT_CORRUPT') throw corrupt(kind, id, file, reply.message, undefined);
      throw replyError(reply, 'read', file);
    }
    const hash = createHash('sha256');
    let size = 0;
    for await (const piece of this.stream(kind, id)) {
      hash.update(piece);
      size += piece.length;
    }
    return { size, sha256: hash.digest('hex') };
  }

  /**
   * The plaintext in authenticated pieces (64 KiB segments). E_OBJECT_MISSING before the first piece;
   * E_OBJECT_CORRUPT at the first piece that fails, which for a truncated object is the last one read:
   * a consumer must discard what it got if the iteration throws.
   */
  async *stream(kind: ObjectKind, id: string): AsyncGenerator<Buffer> {
    const file = this.pathOf(kind, id);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw missing(kind, id, cause);
      throw fsError(cause, 'read', file);
    }
    try {
      yield* openObject(handle, this.#key(), { vaultId: this.#vaultId, kind, id });
    } catch (cause) {
      if (cause instanceof AevError && cause.code === 'E_OBJECT_CORRUPT')
        throw corrupt(kind, id, file, cause.message, cause);
      throw cause instanceof AevError ? cause : fsError(cause, 'read', file);
    } finally {
      await handle.close();
    }
  }

  /**
   * `stream` with blocking reads, for a worker thread (the exporter's reader): each authenticated piece
   * goes to `each`, which must copy what it keeps (the piece is freed when it returns); returns the
   * plaintext's length. Same errors as `stream`; `buffer` is the caller's reusable read buffer, at least
   * `OBJECT_READ_BYTES` long.
   */
  readSync(kind: ObjectKind, id: string, buffer: Buffer, each: (plain: Buffer) => void): number {
    const file = this.pathOf(kind, id);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw missing(kind, id, cause);
      throw fsError(cause, 'read', file);
    }
    try {
      return openObjectSync(fd, buffer, this.#key(), { vaultId: this.#vaultId, kind, id }, each);
    } catch (cause) {
      if (cause instanceof AevError && cause.code === 'E_OBJECT_CORRUPT')
        throw corrupt(kind, id, file, cause.message, cause);
      throw cause instanceof AevError ? cause : fsError(cause, 'read', file);
    } finally {
      fs.closeSync(fd);
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

  /**
   * How many `put`s a caller that pipelines them (MediaStore) should keep in flight: two per worker
   * thread once they run, so each has the next object queued while the caller indexes the last one;
   * two before, when each holds one of libuv's four thread-pool threads while it syncs (the index's log
   * flushes, which acknowledge events, need the others).
   */
  get writesInFlight(): number {
    return this.#workers?.usable === true ? 2 * workerThreadCount() : 2;
  }

  /** Stops the worker threads, which zero their copy of the key; the vault calls this when it closes. */
  close(): void {
    this.#workers?.close();
    this.#workers = null;
  }

  /** The worker threads, started at first need; null once they have all failed (then this thread works). */
  #pool(key: Buffer): ObjectWorkers | null {
    if (this.#workers === null) this.#workers = new ObjectWorkers(this.#vaultId, key);
    return this.#workers.usable ? this.#workers : null;
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

function missing(kind: ObjectKind, id: string, cause: unknown): AevError {
  return new AevError('E_OBJECT_MISSING', `the ${kind} object ${id} is not in the vault`, { kind, id }, { cause });
}

function corrupt(kind: ObjectKind, id: string, file: string, why: string, cause: unknown): AevError {
  return new AevError(
    'E_OBJECT_CORRUPT',
    `the ${kind} object ${id} fails authentication: it was changed or replaced (${why})`,
    { kind, id, file },
    { cause },
  );
}

/** A worker's failure as the error this thread would have thrown (same code, same message). */
function replyError(reply: ObjectWorkerReply & { readonly ok: false }, what: string, file: string): AevError {
  if (reply.code !== null) return new AevError(reply.code, reply.message, { file });
  return fsError(Object.assign(new Error(reply.message), { code: reply.errno ?? undefined }), what, file);
}

/** A request whose worker died is done on this thread instead (null); any other rejection is thrown. */
function workerGone(error: unknown): null {
  if (error instanceof WorkerGone) return null;
  throw error;
}
