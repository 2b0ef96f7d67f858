// Bulk sealing for bench/sealing.ts: one hour of a busy screen (300 × 1 MiB fragments) through the
// engine's own MediaStore (hash + encrypt + index row), on the disk and on tmpfs, beside the disk's own
// sequential write rate; then verification's decrypt + hash of the same objects.
import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CaptureSessions } from '../electron/engine/capture/capture-sessions.ts';
import { MediaStore } from '../electron/engine/capture/media-store.ts';
import { openIndex } from '../electron/engine/index/open-index.ts';
import { systemClock } from '../electron/engine/runtime/clock.ts';
import { sealObject } from '../electron/engine/vault/object-format.ts';
import { workerThreadCount } from '../electron/engine/runtime/worker-pool.ts';
import { readAhead } from '../electron/engine/export/read-ahead.ts';
import { createVault } from '../electron/engine/vault/vault.ts';
import type { Vault } from '../electron/engine/vault/vault.ts';
import { MEDIA_READ_AHEAD } from '../electron/engine/verify/verify-media.ts';

const MiB = 1024 * 1024;
export const FRAGMENTS = 300;
const PASSPHRASE = 'benchmark passphrase';

/**
 * MB/s of wall time, and MB per CPU-second of this process (all its threads, user + system): `openssl
 * speed` divides by its own CPU time, so on a shared machine the second is the like-for-like figure.
 */
export interface Rate {
  readonly wall: number;
  readonly cpu: number;
  /** CPU seconds of the engine's own thread (this one), user + system: what the vault's workers spare it. */
  readonly engineCpuS: number;
}

export interface BulkFigures {
  /** MB/s of fragments added with the next one started while the previous syncs (MediaStore's pipeline). */
  readonly durable: number;
  /** The same, each add awaited before the next (how a caller that needs each seq stores them). */
  readonly durableSerial: number;
  /** The same pipeline with vault and index on tmpfs: hash + encrypt + index + file calls, no disk. */
  readonly noDisk: Rate | null;
  /** Hash + encrypt alone (the vault's format-2 sealing, no file). */
  readonly compute: Rate;
  /** Decrypt + hash of every stored fragment (ObjectStore.digest, several at once, as `aev verify` does). */
  readonly verify: Rate;
  /** Sequential 1 MiB writes then one fdatasync, like `dd bs=1M conv=fdatasync`, on the same folder. */
  readonly disk: number;
}

interface Rig {
  readonly vault: Vault;
  readonly db: Database;
  readonly media: MediaStore;
  readonly sessionId: string;
  close(): void;
}

async function rig(dir: string): Promise<Rig> {
  const vault = await createVault({
    vaultDir: path.join(dir, 'vault'),
    keyring: null,
    passphrase: PASSPHRASE,
    scryptLogN: 14,
  });
  const db = openIndex(path.join(dir, 'index.sqlite'));
  const sessionId = new CaptureSessions(db).open('screen', 'aev', 'bench', Date.now());
  // The engine starts the vault's object workers at its first big object and keeps them: start them
  // before timing, as a recording daemon has them (run from source, each one also loads Node's
  // TypeScript stripper, ~0.3 CPU-s, which the built engine does not).
  const warmUp = Array.from({ length: 4 * workerThreadCount() }, (_, i) => `warm-up-${String(i)}`);
  await Promise.all(warmUp.map((id) => vault.objects.put('other', id, Buffer.alloc(MiB))));
  return {
    vault,
    db,
    media: new MediaStore(db, vault.objects, systemClock),
    sessionId,
    close() {
      db.close();
      vault.close();
    },
  };
}

const rate = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

async function measured(bytes: number, work: () => Promise<unknown> | undefined): Promise<Rate> {
  const c0 = process.cpuUsage();
  const e0 = process.threadCpuUsage();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const engine = process.threadCpuUsage(e0);
  return {
    wall: rate(bytes, ms),
    cpu: rate(bytes, (cpu.user + cpu.system) / 1000),
    engineCpuS: (engine.user + engine.system) / 1e6,
  };
}

function item(fragment: Buffer, i: number) {
  const at = Date.now();
  return { kind: 'video-fragment' as const, bytes: fragment, startMs: at, endMs: at, info: { sequence: i } };
}

async function addAll(r: Rig, fragment: Buffer, serial: boolean): Promise<number> {
  const t0 = performance.now();
  if (serial) for (let i = 0; i < FRAGMENTS; i++) await r.media.add(r.sessionId, item(fragment, i));
  else await Promise.all(Array.from({ length: FRAGMENTS }, (_, i) => r.media.add(r.sessionId, item(fragment, i))));
  return rate(FRAGMENTS * fragment.length, performance.now() - t0);
}

function diskRate(dir: string, fragment: Buffer): number {
  const file = path.join(dir, 'disk-baseline');
  const t0 = performance.now();
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    for (let i = 0; i < FRAGMENTS; i++) fs.writeSync(fd, fragment);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const ms = performance.now() - t0;
  fs.rmSync(file);
  return rate(FRAGMENTS * fragment.length, ms);
}

export async function measureBulk(dir: string): Promise<BulkFigures> {
  const fragment = randomBytes(MiB);
  const disk = diskRate(dir, fragment);
  const onDisk = await rig(path.join(dir, 'bulk'));
  try {
    const durable = await addAll(onDisk, fragment, false);
    const durableSerial = await addAll(onDisk, fragment, true);
    let noDisk: Rate | null = null;
    if (fs.existsSync('/dev/shm')) {
      const shm = fs.mkdtempSync('/dev/shm/aev-bench-seal-');
      try {
        const inMemory = await rig(shm);
        try {
          noDisk = await measured(FRAGMENTS * MiB, () => addAll(inMemory, fragment, false));
        } finally {
          inMemory.close();
        }
      } finally {
        fs.rmSync(shm, { recursive: true, force: true });
      }
    }
    const objectsKey = onDisk.vault.subkey('objects');
    const compute = await measured(FRAGMENTS * MiB, () => {
      for (let i = 0; i < FRAGMENTS; i++)
        sealObject(objectsKey, { vaultId: onDisk.vault.id, kind: 'video-fragment', id: `f${String(i)}` }, fragment);
      return undefined;
    });
    const stored = onDisk.db
      .prepare<[string, number], { object_id: string }>(
        'SELECT object_id FROM media WHERE session_id = ? ORDER BY seq LIMIT ?',
      )
      .all(onDisk.sessionId, FRAGMENTS);
    // As `aev verify` reads media (verify-media.ts): several digests in flight, done by the vault's workers.
    const verify = await measured(stored.length * MiB, async () => {
      const digests = readAhead(
        stored,
        ({ object_id }) => onDisk.vault.objects.digest('video-fragment', object_id),
        MEDIA_READ_AHEAD,
      );
      for await (const [, digest] of digests) if (digest.size !== MiB) throw new Error('a fragment lost bytes');
    });
    return { durable, durableSerial, noDisk, compute, verify, disk };
  } finally {
    onDisk.close();
  }
}
