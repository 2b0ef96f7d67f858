import type { Database } from 'better-sqlite3';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { certificatesFromPem } from '../tsa/tsa-certificate.ts';
import { createTsaStamper } from '../tsa/tsa-stamper.ts';
import { TsaQueue } from '../tsa/tsa-queue.ts';
import type { TsaEndpoint } from '../tsa/tsa-queue.ts';
import type { SealingStatus } from '../../common/model/status.ts';
import type { Vault } from '../vault/vault.ts';
import { ChainStore } from './chain-store.ts';
import { loadOrCreateDeviceIdentity } from './device-identity.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { WindowSealer } from './window-sealer.ts';
import type { OpenWindows } from './window-sealer.ts';
import type { GapReason } from '../../common/model/chain.ts';

export interface SealConfig {
  readonly windowMs: number;
  /** null: do not time-stamp (records stay pending, and `aev status` says so). */
  readonly tsa: {
    readonly endpoints: readonly TsaEndpoint[];
    readonly trustPem: string;
    readonly timeoutMs: number;
  } | null;
}

/**
 * Sealing as one unit: the device key, the chain, the window timer and the time-stamp queue
 * (DESIGN.md §5). Windows close every `windowMs`; each is sealed in the same tick (invariant I2).
 */
export class SealService {
  readonly device: DeviceIdentity;
  readonly chain: ChainStore;
  readonly sealer: WindowSealer;
  readonly queue: TsaQueue;
  readonly #db: Database;
  readonly #config: SealConfig;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #startedAtMs = 0;
  /** Told of every timed sealing pass (start and end, `performance.now()`): the ack trace's "seal" marks. */
  onPass: ((start: number, end: number) => void) | null = null;
  readonly #clock: Clock;

  private constructor(
    db: Database,
    device: DeviceIdentity,
    config: SealConfig,
    clock: Clock,
    logger: Logger,
    windows: OpenWindows | undefined,
  ) {
    this.#db = db;
    this.#config = config;
    this.#logger = logger;
    this.#clock = clock;
    this.device = device;
    this.chain = new ChainStore(db);
    const tsa = config.tsa;
    const stamper =
      tsa === null
        ? { stamp: () => Promise.reject(new Error('time-stamping is disabled')) }
        : createTsaStamper({ timeoutMs: tsa.timeoutMs, trustAnchors: certificatesFromPem(tsa.trustPem) });
    this.queue = new TsaQueue(db, tsa?.endpoints ?? [], stamper, clock, logger);
    this.sealer = new WindowSealer(
      db,
      this.chain,
      device,
      clock,
      logger,
      () => {
        this.queue.kick();
      },
      windows,
    );
  }

  static async open(
    db: Database,
    vault: Vault,
    dataRoot: string,
    config: SealConfig,
    clock: Clock,
    logger: Logger,
    windows?: OpenWindows,
  ): Promise<SealService> {
    const device = await loadOrCreateDeviceIdentity(vault, dataRoot);
    return new SealService(db, device, config, clock, logger, windows);
  }

  /**
   * After an unclean stop: seal what was acknowledged but not sealed, then put the outage on record
   * as a signed gap in every session that was still open (invariant I4).
   */
  recoverAfterUncleanStop(detail: string): void {
    // What was received before the crash is sealed in a window that ends at the last thing received,
    // so the downtime itself falls into the gap that follows, not into a window (invariant I4).
    const pending = this.#db
      .prepare<[], { id: string; last_event: string | null; last_media: number | null }>(
        `SELECT s.id,
                (SELECT MAX(e.received_at) FROM events e WHERE e.session_id = s.id AND e.seq > s.sealed_seq) AS last_event,
                (SELECT MAX(m.end_ms) FROM media m WHERE m.session_id = s.id AND m.seq > s.sealed_media) AS last_media
           FROM sessions s WHERE s.chain_final = 0 AND (s.event_count > s.sealed_seq OR s.media_count > s.sealed_media)`,
      )
      .all();
    for (const s of pending) {
      const lastMs = Math.max(s.last_event === null ? 0 : Date.parse(s.last_event), s.last_media ?? 0);
      this.sealer.sealWindow(s.id, false, lastMs > 0 ? lastMs + 1 : undefined);
    }
    this.sealer.sealDue();
    this.gapInOpenSessions('engine-unclean-stop', detail);
  }

  /**
   * Puts a gap on record in every open recording session (pause, capture failure, engine stop). The
   * vault's access log is not a recording: it misses nothing while the engine is down or paused (the CLI
   * writes its entries under the engine's lock), so a gap there would claim a hole that is not one.
   */
  gapInOpenSessions(reason: GapReason, detail: string | null): number {
    const open = this.#db
      .prepare<[], { id: string }>("SELECT id FROM sessions WHERE ended_at IS NULL AND kind != 'access'")
      .all();
    for (const s of open) this.sealer.recordGap(s.id, reason, detail);
    return open.length;
  }

  start(): void {
    this.#startedAtMs = this.#clock.now();
    this.#timer = setInterval(() => {
      const start = performance.now();
      try {
        this.sealer.sealDue();
        this.onPass?.(start, performance.now());
      } catch (error) {
        this.#logger.error('sealing failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }, this.#config.windowMs);
    this.queue.kick();
  }

  /** Milliseconds until the next window boundary (the timer fires every windowMs from start). */
  msToNextBoundary(): number {
    const now = this.#clock.now();
    return this.boundaryAtOrAfter(now) - now;
  }

  /** The first window boundary at or after `ms` (wall clock). */
  boundaryAtOrAfter(ms: number): number {
    const w = this.#config.windowMs;
    return this.#startedAtMs + Math.ceil((ms - this.#startedAtMs) / w) * w;
  }

  /** Seals what is pending (so a clean stop leaves nothing unsealed) and stops the timer and queue. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.sealer.sealDue();
    await this.queue.stop();
  }

  status(): SealingStatus {
    const unsealed =
      this.#db.prepare<[], { n: number }>('SELECT COALESCE(SUM(event_count - sealed_seq), 0) AS n FROM sessions').get()
        ?.n ?? 0;
    return {
      device: this.device.fingerprint,
      windowMs: this.#config.windowMs,
      records: this.chain.count(),
      unsealedEvents: unsealed,
      tsa: { ...this.queue.status(), enabled: this.#config.tsa !== null },
    };
  }
}
