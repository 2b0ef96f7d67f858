// Sealing and verification throughput (issue: proof) for a synthetic one-hour session, beside
// `openssl speed` for AES-256-GCM and SHA-256 on the same machine (one core). Two paths:
//  - bulk: 1 MiB fragments (what screen capture produces) hashed and encrypted into the vault, fsync'd;
//  - events: ~1 KB agent events through the engine's ingest queue (written, encrypted, indexed, made
//    durable by a flush of the write-ahead log), then sealed into 10 s windows.
// Each durable figure's note splits it into what is computed and what waits on the disk.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventFrameSchema } from '../electron/common/protocol/frames.ts';
import { openIndex } from '../electron/engine/index/open-index.ts';
import { IndexDurability } from '../electron/engine/index/index-durability.ts';
import { EventWriter } from '../electron/engine/ingest/event-writer.ts';
import { IngestQueue } from '../electron/engine/ingest/ingest-queue.ts';
import { normalizeEvent } from '../electron/engine/ingest/normalize-event.ts';
import { silentLogger } from '../electron/engine/runtime/logger.ts';
import { ChainStore } from '../electron/engine/seal/chain-store.ts';
import { loadOrCreateDeviceIdentity } from '../electron/engine/seal/device-identity.ts';
import { WindowSealer } from '../electron/engine/seal/window-sealer.ts';
import { SessionTracker } from '../electron/engine/sessions/session-tracker.ts';
import { sealBytes } from '../electron/engine/vault/aead.ts';
import { createVault } from '../electron/engine/vault/vault.ts';
import { verifyStore } from '../electron/engine/verify/verify-store.ts';
import type { BenchRow } from './bench-table.ts';
import { runStandalone } from './bench-table.ts';
import { eventFrame } from './raw-load.ts';

const MiB = 1024 * 1024;

/** openssl speed's single-core rate in MB/s for 16 KiB blocks. */
function opensslRate(alg: string): number {
  const out = execFileSync('openssl', ['speed', '-seconds', '2', '-bytes', '16384', '-evp', alg], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  const line = out.split('\n').find((l) => l.toLowerCase().startsWith(alg.toLowerCase()));
  const kbps = Number(/([\d.]+)k\s*$/.exec(line ?? '')?.[1] ?? 'NaN');
  return (kbps * 1000) / 1e6;
}

export async function run(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-bench-seal-'));
  try {
    const vault = await createVault({
      vaultDir: path.join(dir, 'vault'),
      keyring: null,
      passphrase: 'benchmark passphrase',
      scryptLogN: 14,
    });
    // Bulk: one hour at 5 fps of a busy screen is ~300 MB; fragments of 1 MiB.
    const fragment = randomBytes(MiB);
    const fragments = 300;
    let t0 = performance.now();
    for (let i = 0; i < fragments; i++) {
      createHash('sha256').update(fragment).digest();
      await vault.objects.put('video-fragment', `f${String(i)}`, fragment);
    }
    const bulkSeal = (fragments * MiB) / 1e6 / ((performance.now() - t0) / 1000);
    // The same hash and encryption (the vault's own AES-256-GCM with its objects key) without the file.
    const objectsKey = vault.subkey('objects');
    t0 = performance.now();
    for (let i = 0; i < fragments; i++) {
      createHash('sha256').update(fragment).digest();
      sealBytes(objectsKey, fragment, Buffer.from(`f${String(i)}`));
    }
    const bulkCompute = (fragments * MiB) / 1e6 / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < fragments; i++)
      createHash('sha256')
        .update(await vault.objects.get('video-fragment', `f${String(i)}`))
        .digest();
    const bulkVerify = (fragments * MiB) / 1e6 / ((performance.now() - t0) / 1000);

    // Events: one hour of a busy agent (~10 events/s → 36,000 events), sealed in 10 s windows.
    const db = openIndex(path.join(dir, 'index.sqlite'));
    const writer = new EventWriter(db, vault.subkey('index-fields'), new SessionTracker());
    const device = await loadOrCreateDeviceIdentity(vault, dir);
    let now = Date.now();
    const clock = { now: () => now, monoUs: () => now * 1000 };
    const durability = IndexDurability.open(db, silentLogger);
    const queue = new IngestQueue(writer, clock, durability);
    const sealer = new WindowSealer(db, new ChainStore(db), device, clock, silentLogger, () => undefined, writer);
    const events = 36_000;
    const lines = Array.from({ length: events }, (_, i) => Buffer.from(eventFrame('bench-hour', i).trimEnd()));
    const normalized = lines.map((l) =>
      normalizeEvent(eventFrameSchema.parse(JSON.parse(l.toString('utf8'))).event, {
        transport: 'socket-frame',
        bytes: l,
      }),
    );
    const bytes = lines.reduce((n, l) => n + l.length, 0);
    t0 = performance.now();
    let sealMs = 0;
    for (let i = 0; i < events; i += 100) {
      // Acknowledged, i.e. durable, before the window closes: what the engine does with a busy agent.
      await Promise.all(normalized.slice(i, i + 100).map((event) => queue.submit(event, 'sdk')));
      now += 10_000;
      const s0 = performance.now();
      sealer.sealDue();
      sealMs += performance.now() - s0;
    }
    const eventMs = performance.now() - t0;
    const eventSeal = bytes / 1e6 / (eventMs / 1000);
    queue.drain();
    await durability.close();
    db.close();
    vault.close();
    t0 = performance.now();
    const report = await verifyStore({
      dataRoot: dir,
      keyring: null,
      passphrase: 'benchmark passphrase',
      sessions: 'all',
      trustPem: '',
      allowPending: true,
    });
    const eventVerify = bytes / 1e6 / ((performance.now() - t0) / 1000);
    if (report.counts.fail > 0) throw new Error('the benchmark store did not verify');

    const aes = opensslRate('aes-256-gcm');
    const sha = opensslRate('sha256');
    const floor = Math.min(aes, sha);
    const base = `openssl speed 16 KiB: aes-256-gcm ${aes.toFixed(0)} MB/s, sha256 ${sha.toFixed(0)} MB/s`;
    const bothSerial = 1 / (1 / aes + 1 / sha);
    const perEventUs = (ms: number): string => ((ms * 1000) / events).toFixed(1);
    return [
      {
        name: 'seal bulk (hash + encrypt + fsync)',
        figure: bulkSeal,
        unit: 'MB/s',
        target: '>= 50% of openssl',
        met: bulkSeal >= 0.5 * bothSerial,
        baseline: `${base}; both in series ${bothSerial.toFixed(0)} MB/s`,
        baselineFigure: bothSerial,
        note: `${fragments} × 1 MiB fragments into the vault, one after the other as capture stores them; the same hash + encrypt without the file: ${bulkCompute.toFixed(0)} MB/s (${((100 * bulkCompute) / bothSerial).toFixed(0)}% of openssl), the rest is the durable write (temp file, fsync, rename, folder fsync)`,
      },
      {
        name: 'verify bulk (decrypt + hash)',
        figure: bulkVerify,
        unit: 'MB/s',
        target: '>= 50% of openssl',
        met: bulkVerify >= 0.5 * bothSerial,
        baseline: `floor ${floor.toFixed(0)} MB/s`,
        baselineFigure: bothSerial,
      },
      {
        name: 'seal events (1 h busy agent)',
        figure: eventSeal,
        unit: 'MB/s',
        target: '>= 50% of openssl',
        met: eventSeal >= 0.5 * bothSerial,
        baseline: base,
        baselineFigure: bothSerial,
        note: `${events} events of ~${Math.round(bytes / events)} B, 100 per 10 s window, each acknowledged durable: ${perEventUs(eventMs - sealMs)} µs an event to write (SQLite row and indexes, GCM, SHA-256, log flush), ${perEventUs(sealMs)} µs to seal`,
      },
      {
        name: 'verify events (aev verify)',
        figure: eventVerify,
        unit: 'MB/s',
        target: '>= 50% of openssl',
        met: eventVerify >= 0.5 * bothSerial,
        baseline: base,
        baselineFigure: bothSerial,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await runStandalone('sealing', import.meta.url, run);
