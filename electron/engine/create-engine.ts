import type { Database } from 'better-sqlite3';
import path from 'node:path';
import { AevError } from '../common/errors.ts';
import type { EngineStatus } from '../common/model/status.ts';
import { AEV_VERSION } from '../common/version.ts';
import { CaptureSessions } from './capture/capture-sessions.ts';
import { startChromiumBackend } from './capture/chromium-backend.ts';
import type { ChromiumBackend } from './capture/chromium-backend.ts';
import type { CapturePagePort } from './capture/chromium-page-port.ts';
import { MediaStore } from './capture/media-store.ts';
import { ScreenCapture } from './capture/screen-capture.ts';
import { StillCapture } from './capture/still-capture.ts';
import { TranscriptCapture } from './capture/transcript-capture.ts';
import { TerminalIngest } from './capture/terminal-ingest.ts';
import { frameFromRecording } from './capture/video-frame.ts';
import { readVideo } from './capture/video-reader.ts';
import { EventPinner } from './index/event-pinner.ts';
import { ControlService } from './control/control-service.ts';
import { accessApi } from './access/access-api.ts';
import { AccessLog } from './access/access-log.ts';
import { MediaReads } from './control/media-reads.ts';
import { sessionWindows } from './control/window-states.ts';
import { RecordingSwitch } from './control/recording-switch.ts';
import { checkAndSetDefaults } from './engine-config.ts';
import type { EngineConfig } from './engine-config.ts';
import { IndexDurability } from './index/index-durability.ts';
import { openIndex } from './index/open-index.ts';
import { SessionQueries } from './index/session-queries.ts';
import type { EndpointHandler } from './ingest/endpoint-handler.ts';
import { EndpointServer } from './ingest/endpoint-server.ts';
import { EventWriter } from './ingest/event-writer.ts';
import { HttpEndpoint } from './ingest/http-endpoint.ts';
import { IngestQueue } from './ingest/ingest-queue.ts';
import { AckTrace } from './ingest/ack-trace.ts';
import type { Logger } from './runtime/logger.ts';
import { normalizeEvent } from './ingest/normalize-event.ts';
import { acquireDaemonLock } from './runtime/daemon-lock.ts';
import type { DaemonLock } from './runtime/daemon-lock.ts';
import { runtimePaths } from './runtime/data-root.ts';
import type { RuntimePaths } from './runtime/data-root.ts';
import { ensurePrivateDir } from './runtime/private-dir.ts';
import { StorageHealth } from './runtime/storage-health.ts';
import { recordMissedEvents } from './seal/missed-events.ts';
import { SealService } from './seal/seal-service.ts';
import { RetentionSchedule } from './retention/retention-schedule.ts';
import { RetentionService } from './retention/retention-service.ts';
import { SessionTracker } from './sessions/session-tracker.ts';
import { MediaRedaction } from './redact/media-redaction.ts';
import { createRedactor } from './redact/redaction-config.ts';
import { readPreviousRedaction, writeRunRedaction } from './redact/redaction-run-file.ts';
import { redactionStatement } from './redact/redaction-statement.ts';
import { RedactionStats } from './redact/redaction-stats.ts';
import { createVault, openVault, vaultExists } from './vault/vault.ts';
import type { Vault } from './vault/vault.ts';

export interface EngineStartInfo {
  readonly createdVault: boolean;
  readonly socketPath: string;
  readonly httpUrl: string | null;
  /** The previous engine on this data root stopped without shutting down (crash, kill -9, power loss). */
  readonly previousStopUnclean: boolean;
}

export interface Engine {
  readonly config: EngineConfig;
  readonly paths: RuntimePaths;
  start(): Promise<EngineStartInfo>;
  stop(): Promise<void>;
  status(): EngineStatus;
  /**
   * Connects the desktop app's capture page (its MessagePort, handed over by Electron main) to the
   * Chromium capture backend; returns a function that detaches it. E_CONFIG when that backend is off.
   */
  attachCapturePage(port: CapturePagePort): () => void;
}

interface Running {
  readonly lock: DaemonLock;
  readonly vault: Vault;
  readonly db: Database;
  readonly runId: number;
  readonly queue: IngestQueue;
  readonly durability: IndexDurability;
  readonly writer: EventWriter;
  readonly sessions: SessionTracker;
  readonly queries: SessionQueries;
  readonly endpoint: EndpointServer;
  readonly http: HttpEndpoint | null;
  readonly httpUrl: string | null;
  readonly startedAt: string;
  readonly sweeper: NodeJS.Timeout;
  readonly seal: SealService;
  readonly terminals: TerminalIngest;
  readonly screen: ScreenCapture | null;
  readonly chromium: ChromiumBackend | null;
  readonly transcripts: TranscriptCapture;
  readonly stills: StillCapture | null;
  readonly retention: RetentionSchedule;
  readonly redaction: RedactionStats;
  /** Only with AEV_TRACE_ACKS (a diagnostic). */
  readonly ackTrace: AckTrace | null;
}

/** The one composition root (STYLE.md): clock, data root, keyring and limits come in through `config`. */
export function createEngine(input: Partial<EngineConfig> & { readonly dataRoot: string }): Engine {
  const config = checkAndSetDefaults(input);
  // Compiled now, so a bad pattern in settings.json stops the engine before it opens anything.
  const redactor = createRedactor(config.redaction);
  const paths = runtimePaths(config.dataRoot);
  const { clock, logger } = config;
  let running: Running | null = null;
  const switcher = new RecordingSwitch(clock, logger);
  const storage = new StorageHealth(clock, logger);

  const status = (): EngineStatus => {
    if (running === null) throw new AevError('E_SHUTTING_DOWN', 'the engine is not running');
    const counts = running.queries.counts();
    const last = running.queue.lastEventAtMs;
    return {
      version: AEV_VERSION,
      pid: process.pid,
      startedAt: running.startedAt,
      dataRoot: paths.dataRoot,
      socketPath: paths.socketPath,
      httpUrl: running.httpUrl,
      vault: { unlockedBy: running.vault.unlockedBy() },
      recording: switcher.recording,
      ingest: {
        eventsTotal: counts.events,
        eventsThisRun: running.queue.writtenThisRun,
        connections: running.endpoint.counters.connections,
        lastEventAt: last === null ? null : new Date(last).toISOString(),
        rejectedFrames: running.endpoint.counters.rejectedFrames,
      },
      sessions: { active: counts.active, total: counts.sessions },
      sealing: running.seal.status(),
      screen: running.screen?.status() ?? { state: 'off', recordingId: null, detail: null, backend: null },
      stills: running.stills?.status() ?? null,
      storage: storage.status(),
      redaction: running.redaction.status(),
      retention: { auto: config.retention.auto, firstAutoPurge: running.retention.firstAutoPurge },
    };
  };

  return {
    config,
    paths,
    status,
    attachCapturePage(port) {
      const chromium = running?.chromium ?? null;
      if (chromium === null)
        throw new AevError('E_CONFIG', 'the Chromium capture backend is not running (capture backend: chromium)');
      return chromium.attach(port);
    },
    async start() {
      if (running !== null) throw new AevError('E_INTERNAL', 'the engine is already running');
      ensurePrivateDir(paths.dataRoot);
      // A runtime folder moved to the temp dir (long data root) sits in a per-user parent that another
      // local user could have created first: that parent must be ours and private too.
      if (!paths.runtimeDir.startsWith(paths.dataRoot)) ensurePrivateDir(path.dirname(paths.runtimeDir));
      const lock = acquireDaemonLock(paths.lockPath, () => clock.now());
      const undo: (() => void | Promise<void>)[] = [];
      try {
        const createdVault = !vaultExists(paths.vaultDir);
        const vault = await unlock(config, paths, createdVault);
        undo.push(() => {
          vault.close();
        });
        const db = openIndex(paths.indexPath);
        undo.push(() => {
          db.close();
        });
        const lastRun = db
          .prepare<[], { clean: number; stopped_at: string | null }>(
            'SELECT clean, stopped_at FROM runs ORDER BY id DESC LIMIT 1',
          )
          .get();
        const previousStopUnclean = lock.tookOverStale || (lastRun !== undefined && lastRun.clean === 0);
        const startedAt = new Date(clock.now()).toISOString();
        const runId = Number(
          db.prepare('INSERT INTO runs (pid, started_at) VALUES (?, ?)').run(process.pid, startedAt).lastInsertRowid,
        );
        const fieldKey = vault.subkey('index-fields');
        const sessions = new SessionTracker();
        sessions.load(db);
        const writer = new EventWriter(db, fieldKey, sessions);
        writer.startWorker();
        undo.push(() => {
          writer.stopWorker();
        });
        const seal = await SealService.open(
          db,
          vault,
          paths.dataRoot,
          { windowMs: config.windowMs, tsa: config.tsa },
          clock,
          logger,
          writer,
        );
        // What the previous run received and left unsealed is sealed under ITS redaction (docs/redaction.md).
        seal.sealer.redaction = readPreviousRedaction(paths.dataRoot);
        recordMissedEvents(paths.missedEventsPath, db, seal.sealer, logger);
        if (previousStopUnclean)
          seal.recoverAfterUncleanStop(
            `the engine stopped without shutting down (previous pid ${String(lock.previous?.pid ?? 'unknown')})`,
          );
        // A clean stop is a hole in the recording too (invariant I4): sessions still open get it on record.
        else if (lastRun !== undefined)
          seal.gapInOpenSessions(
            'engine-stopped',
            `the engine was stopped from ${lastRun.stopped_at ?? '?'} to ${startedAt}`,
          );
        // Screen recordings and terminals do not survive their engine: after the recovery gap, they end.
        const captureSessions = new CaptureSessions(db);
        const leftOpen = captureSessions.leftOpen();
        for (const s of leftOpen) captureSessions.end(s.id, 'daemon-stopped', clock.now());
        if (leftOpen.length > 0) seal.sealer.sealDue();
        // From here on, what is sealed was received under this run's redaction: on record before any of it.
        const redactionInForce = redactionStatement(config.redaction);
        writeRunRedaction(paths.dataRoot, redactionInForce);
        seal.sealer.redaction = redactionInForce;
        const media = new MediaStore(db, vault.objects, clock);
        const redaction = new RedactionStats(db, redactor);
        const mediaRedaction =
          redactor === null
            ? undefined
            : new MediaRedaction(redactor, (counts) => {
                redaction.noteMedia(counts);
              });
        const terminals = new TerminalIngest(captureSessions, media, clock, logger, mediaRedaction);
        const transcripts = new TranscriptCapture(media, clock, logger, { redaction: mediaRedaction });
        // Stills come with screen recording: the same switch, display and environment.
        const pinner = new EventPinner(db);
        let screen: ScreenCapture | null = null;
        const stills =
          config.screen === null
            ? null
            : new StillCapture(media, clock, logger, {
                env: config.screen.env,
                ...(config.screen.display?.startsWith(':') === true ? { display: config.screen.display } : {}),
                source: config.screen.stills ?? 'grab',
                fromVideo: (atMs) =>
                  frameFromRecording({ db, media, pinner, clock, ffmpeg: () => screen?.ffmpegPath() ?? null }, atMs),
              });
        // Event commits skip their fsync; the log is flushed off-thread before any ack (index-durability.ts).
        const durability = IndexDurability.open(db, logger);
        undo.push(() => durability.close());
        const ackTrace = config.ackTraceFile === null ? null : new AckTrace();
        if (ackTrace !== null) {
          seal.onPass = (start, end) => {
            ackTrace.mark('seal', start, end);
          };
          logger.info('tracing acknowledgements', { file: config.ackTraceFile });
        }
        const queue = new IngestQueue(writer, clock, durability, ackTrace);
        const queries = new SessionQueries(db, fieldKey);
        switcher.attach(seal);
        const reads = new MediaReads(db, media);
        // Every export, view, request decision and purge goes on this chain (DESIGN.md §5).
        const access = new AccessLog(db, fieldKey, clock);
        // Retention (docs/retention.md): each purge leaves a signed tombstone and an access-log entry,
        // written in one transaction before any content is deleted; holds and releases are entries too.
        const retentionService = new RetentionService({
          db,
          objects: vault.objects,
          chain: seal.chain,
          device: seal.device,
          kickTsa: () => {
            seal.queue.kick();
          },
          fieldKey,
          clock,
          logger,
          config: config.retention,
          recordAccess: (e) => {
            if (e.kind === 'purge') access.recordAccess({ kind: 'purge', sessionIds: [e.sessionId], reason: e.reason });
            else access.recordAccess({ kind: 'legal-hold', action: e.kind, sessionId: e.sessionId, reason: e.reason });
          },
        });
        const retention = new RetentionSchedule(retentionService, clock, logger);
        const control = new ControlService(
          queries,
          status,
          switcher,
          (recording, fromMs, toMs) => readVideo(db, media, recording, fromMs, toMs),
          { media: reads, windows: (id) => sessionWindows(db, id) },
          accessApi(access, db, fieldKey),
          retentionService,
        );
        const handler: EndpointHandler = {
          serverName: `aev/${AEV_VERSION}`,
          async ingest(event, client, received) {
            const normalized = normalizeEvent(event, received, redactor);
            // Only these two outlive the write: the payload need not wait for the disk (docs/performance.md).
            const { kind } = normalized;
            const transcriptPath = normalized.payload.transcript_path;
            const written = await storage.track(() => queue.submit(normalized, client));
            // Media of the same moment, after the ack is decided and without delaying it (invariant I7).
            if (switcher.recording) {
              transcripts.onEvent(written.sessionId, transcriptPath);
              if (kind === 'PreToolUse' || kind === 'PostToolUse')
                stills?.onToolEvent(written.sessionId, written.seq, kind);
            }
            return { ...written, recording: switcher.recording };
          },
          control(method, params) {
            return Promise.resolve().then(() => control.call(method, params));
          },
          terminal(frame, connection) {
            return storage.track(() => terminals.handle(frame, connection));
          },
          disconnected(connection) {
            terminals.disconnected(connection);
          },
        };
        const endpoint = new EndpointServer(paths.socketPath, handler, config.limits, clock, logger);
        undo.push(async () => {
          const stopped = endpoint.stopAccepting();
          await endpoint.closeConnections();
          await stopped;
        });
        await endpoint.listen(paths.runtimeDir);
        let http: HttpEndpoint | null = null;
        let httpUrl: string | null = null;
        if (config.httpPort !== null) {
          http = new HttpEndpoint(paths.httpInfoPath, handler, config.limits, clock, endpoint.counters);
          httpUrl = (await http.listen(config.httpPort, paths.httpInfoPath)).url;
        }
        seal.start();
        const capture = config.capture;
        const chromium =
          config.screen !== null && capture.backend === 'chromium'
            ? await startChromiumBackend(capture, {
                clock,
                logger,
                runtimeDir: paths.runtimeDir,
                boundaryAtOrAfter: (ms) => seal.boundaryAtOrAfter(ms),
              })
            : null;
        if (chromium !== null) undo.push(() => chromium.close());
        screen =
          config.screen === null
            ? null
            : new ScreenCapture(config.screen, {
                sessions: captureSessions,
                media,
                clock,
                logger,
                windowMs: config.windowMs,
                msToNextBoundary: () => seal.msToNextBoundary(),
                boundaryAtOrAfter: (ms) => seal.boundaryAtOrAfter(ms),
                sealNow: (sessionId) => seal.sealer.sealWindow(sessionId, false),
                activeAgents: () => sessions.size,
                recording: () => switcher.recording,
                gap: (sessionId, detail) => seal.sealer.recordGap(sessionId, 'capture-failed', detail),
                ...(chromium === null ? {} : { source: chromium.source }),
              });
        screen?.start();
        const sweeper = setInterval(
          () => {
            for (const s of sessions.idleFor(config.sessionIdleMs, clock.now(), clock.monoUs())) {
              writer.endSession(s, 'idle', clock.now());
              logger.info('session ended after idle timeout', { sessionId: s.id });
            }
          },
          Math.min(30_000, Math.max(1000, config.sessionIdleMs / 4)),
        );
        sweeper.unref();
        retention.start();
        running = {
          lock,
          vault,
          db,
          runId,
          queue,
          durability,
          ackTrace,
          writer,
          sessions,
          queries,
          endpoint,
          http,
          httpUrl,
          startedAt,
          sweeper,
          seal,
          terminals,
          screen,
          chromium,
          transcripts,
          stills,
          retention,
          redaction,
        };
        logger.info('engine started', { socket: paths.socketPath, http: httpUrl, createdVault, previousStopUnclean });
        return { createdVault, socketPath: paths.socketPath, httpUrl, previousStopUnclean };
      } catch (error) {
        // Whatever started is stopped again, so a failed start leaves no socket answering and exits.
        for (const step of undo.reverse()) {
          try {
            await step();
          } catch (cleanup) {
            logger.warn('cleanup after a failed start failed', { error: String(cleanup) });
          }
        }
        lock.release();
        throw error;
      }
    },
    async stop() {
      const r = running;
      if (r === null) return;
      switcher.stopping();
      clearInterval(r.sweeper);
      // A purge in progress stops between two deletions; its open purge row resumes it at the next start.
      await r.retention.stop();
      const stopped = r.endpoint.stopAccepting();
      await r.http?.close();
      // Everything already submitted is written and acknowledged before the connections close.
      r.queue.drain();
      await new Promise((resolve) => setImmediate(resolve));
      await r.endpoint.closeConnections();
      await stopped;
      await r.terminals.stopAll();
      await r.screen?.stop();
      await r.chromium?.close();
      await r.transcripts.flush();
      await r.stills?.flush();
      await r.seal.stop();
      await r.durability.close();
      r.db
        .prepare('UPDATE runs SET stopped_at = ?, clean = 1 WHERE id = ?')
        .run(new Date(clock.now()).toISOString(), r.runId);
      r.db.pragma('wal_checkpoint(TRUNCATE)');
      r.db.close();
      r.vault.close();
      r.lock.release();
      running = null;
      writeAckTrace(r.ackTrace, config.ackTraceFile, logger);
      logger.info('engine stopped cleanly');
    },
  };
}

async function unlock(config: EngineConfig, paths: RuntimePaths, missing: boolean): Promise<Vault> {
  const opts = {
    vaultDir: paths.vaultDir,
    keyring: config.keyring,
    passphrase: config.passphrase,
    scryptLogN: config.scryptLogN,
  };
  if (!missing) return openVault(opts);
  if (!config.createVault) {
    throw new AevError(
      'E_VAULT_MISSING',
      `no vault under ${paths.dataRoot} yet: run \`aev init\` (or start the daemon with AEV_PASSPHRASE_FILE set)`,
    );
  }
  return createVault(opts);
}

/** Writes the ack trace at stop; a trace that cannot be written is logged, never a failed stop. */
function writeAckTrace(trace: AckTrace | null, file: string | null, logger: Logger): void {
  if (trace === null || file === null) return;
  try {
    trace.writeTo(file);
    logger.info('ack trace written', { file });
  } catch (error) {
    logger.warn('could not write the ack trace', {
      file,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
