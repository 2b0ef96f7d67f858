import type { KeyringPort } from '../../native/keychain/keyring.ts';
import { AevError } from '../common/errors.ts';
import { DEFAULT_LIMITS } from './ingest/endpoint-limits.ts';
import type { EndpointLimits } from './ingest/endpoint-limits.ts';
import type { ScreenConfig } from './capture/screen-capture.ts';
import { captureBackendFromEnv, checkCaptureBackend } from './capture/chromium-config.ts';
import type { CaptureBackendConfig } from './capture/chromium-config.ts';
import type { SealConfig } from './seal/seal-service.ts';
import { DEFAULT_TSAS, defaultTsaTrustPem } from './tsa/default-tsas.ts';
import { systemClock } from './runtime/clock.ts';
import type { Clock } from './runtime/clock.ts';
import { silentLogger } from './runtime/logger.ts';
import type { Logger } from './runtime/logger.ts';
import { checkRetention, DEFAULT_RETENTION } from './retention/retention-policy.ts';
import type { RetentionConfig } from './retention/retention-policy.ts';
import { DEFAULT_REDACTION } from './redact/redaction-config.ts';
import type { RedactionConfig } from './redact/redaction-config.ts';

export interface EngineConfig {
  readonly dataRoot: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The OS keyring, or null where none is usable (then a passphrase is required). */
  readonly keyring: KeyringPort | null;
  /** Recovery passphrase (headless unlock via AEV_PASSPHRASE_FILE). */
  readonly passphrase: string | undefined;
  /** Create the vault on first start when it does not exist yet. */
  readonly createVault: boolean;
  /** scrypt cost for a new vault's passphrase (2^N); tests lower it. */
  readonly scryptLogN: number;
  /** Loopback HTTP ingest port; 0 picks a free one; null disables it. */
  readonly httpPort: number | null;
  readonly limits: EndpointLimits;
  /** A session with no event for this long is ended (reason `idle`). */
  readonly sessionIdleMs: number;
  /** Window length: every captured byte is sealed within this (invariant I2). */
  readonly windowMs: number;
  /** Time-stamp authorities and their dedicated trust store; null disables time-stamping. */
  readonly tsa: SealConfig['tsa'];
  /** Screen recording while agents work (DESIGN.md §4); null turns it off. */
  readonly screen: ScreenConfig | null;
  /**
   * Which backend records the screen (DESIGN.md §4): ffmpeg, or the Chromium capture page (the desktop
   * app's). Default: AEV_CAPTURE in the screen's environment, else ffmpeg.
   */
  readonly capture: CaptureBackendConfig;
  /** The vault's retention period and its daily application (docs/retention.md). */
  readonly retention: RetentionConfig;
  /** Secrets replaced before storage (docs/redaction.md); checked when the engine is created. */
  readonly redaction: RedactionConfig;
  /** Diagnostic: where to write the ack trace when the engine stops (AEV_TRACE_ACKS); null: no trace. */
  readonly ackTraceFile: string | null;
}

export const DEFAULT_SCREEN: Omit<ScreenConfig, 'env'> = { fps: 5, maxLongSide: 1920, graceMs: 30_000 };

export const DEFAULT_HTTP_PORT = 47_615;

/** Fills defaults and rejects nonsense early (Teleport's CheckAndSetDefaults). */
export function checkAndSetDefaults(c: Partial<EngineConfig> & { readonly dataRoot: string }): EngineConfig {
  const config: EngineConfig = {
    dataRoot: c.dataRoot,
    clock: c.clock ?? systemClock,
    logger: c.logger ?? silentLogger,
    keyring: c.keyring ?? null,
    passphrase: c.passphrase,
    createVault: c.createVault ?? false,
    scryptLogN: c.scryptLogN ?? 17,
    httpPort: c.httpPort === undefined ? DEFAULT_HTTP_PORT : c.httpPort,
    limits: { ...DEFAULT_LIMITS, ...c.limits },
    sessionIdleMs: c.sessionIdleMs ?? 30 * 60_000,
    windowMs: c.windowMs ?? 10_000,
    screen: c.screen === undefined ? { ...DEFAULT_SCREEN, env: process.env } : c.screen,
    capture: c.capture ?? captureBackendFromEnv(c.screen === undefined ? process.env : (c.screen?.env ?? {})),
    tsa: c.tsa === undefined ? { endpoints: DEFAULT_TSAS, trustPem: defaultTsaTrustPem(), timeoutMs: 10_000 } : c.tsa,
    retention: checkRetention(c.retention ?? DEFAULT_RETENTION),
    redaction: c.redaction ?? DEFAULT_REDACTION,
    ackTraceFile: c.ackTraceFile ?? null,
  };
  if (config.dataRoot === '') throw new AevError('E_CONFIG', 'the data root is empty');
  if (
    config.httpPort !== null &&
    (!Number.isInteger(config.httpPort) || config.httpPort < 0 || config.httpPort > 65_535)
  ) {
    throw new AevError('E_CONFIG', `invalid HTTP port ${String(config.httpPort)}`);
  }
  if (config.windowMs < 200 || config.windowMs > 600_000)
    throw new AevError('E_CONFIG', 'the window length must be 0.2 s..10 min');
  if (config.tsa?.endpoints.length === 0) throw new AevError('E_CONFIG', 'no TSA configured');
  if (config.sessionIdleMs < 1000) throw new AevError('E_CONFIG', 'the session idle timeout must be at least 1 s');
  const screen = config.screen;
  if (screen !== null) {
    if (!(screen.fps >= 1 && screen.fps <= 30)) throw new AevError('E_CONFIG', 'screen fps must be 1..30');
    if (!(Number.isInteger(screen.maxLongSide) && screen.maxLongSide >= 320 && screen.maxLongSide <= 7680))
      throw new AevError('E_CONFIG', 'the screen size cap must be 320..7680 pixels');
    if (!(screen.graceMs >= 0 && screen.graceMs <= 3_600_000))
      throw new AevError('E_CONFIG', 'the recording grace period must be 0 s..1 h');
  }
  checkCaptureBackend(config.capture);
  if (config.scryptLogN < 14 || config.scryptLogN > 22)
    throw new AevError('E_CONFIG', 'scrypt cost must be 2^14..2^22');
  return config;
}
