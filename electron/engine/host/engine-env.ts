import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { probeOsKeyring } from '../../../native/keychain/keyring.ts';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import type { ScreenConfig } from '../capture/screen-capture.ts';
import { DEFAULT_HTTP_PORT, DEFAULT_SCREEN } from '../engine-config.ts';
import type { EngineConfig } from '../engine-config.ts';
import type { Logger } from '../runtime/logger.ts';
import { resolveDataRoot, runtimePaths } from '../runtime/data-root.ts';
import { readSettings } from '../runtime/settings-file.ts';
import type { SealConfig } from '../seal/seal-service.ts';
import { DEFAULT_RETENTION } from '../retention/retention-policy.ts';
import type { RetentionConfig } from '../retention/retention-policy.ts';
import { redactionConfigFrom } from '../redact/redaction-config.ts';
import type { RedactionConfig } from '../redact/redaction-config.ts';
import { DEFAULT_TSAS, defaultTsaTrustPem, tsasFromList } from '../tsa/default-tsas.ts';

/**
 * What reading the engine's environment may touch: its variables, and a stream for warnings. The CLI's
 * `CliIo` is one; the desktop app's engine process passes its own (DESIGN.md §3: one engine, one config path).
 */
export interface EnvIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: Writable;
}

/** What the environment says about the engine to start: data root, unlock material, ports. */
export interface EngineEnv {
  readonly dataRoot: string;
  readonly passphrase: string | undefined;
  readonly keyring: KeyringPort | null;
  readonly httpPort: number | null;
  /** Undefined: the engine's default TSAs and trust store. */
  readonly tsa: SealConfig['tsa'] | undefined;
  readonly windowMs: number | undefined;
  readonly sessionIdleMs: number | undefined;
  /** null: screen recording off (AEV_SCREEN=off). */
  readonly screen: ScreenConfig | null;
  /** AEV_RETENTION_DAYS / AEV_RETENTION_AUTO, else settings.json `retention`, else 90 days, daily. */
  readonly retention: RetentionConfig;
  /** settings.json `redaction`; AEV_REDACTION=off|on overrides whether it runs (docs/redaction.md). */
  readonly redaction: RedactionConfig;
}

/**
 * `findKeyring` is where the vault's keyring secret lives: the OS keyring headless, the app's
 * safeStorage-backed keyring (over the engine process's parent port) in the desktop app.
 */
export async function engineEnv(
  io: EnvIo,
  findKeyring: () => Promise<KeyringPort | null> = () => probeOsKeyring(),
): Promise<EngineEnv> {
  const dataRoot = resolveDataRoot(io.env);
  const passphrase = readPassphraseFile(io);
  const keyring = io.env.AEV_KEYRING === 'off' ? null : await findKeyring();
  // Precedence: environment, then <data root>/settings.json, then built-in defaults.
  const settings = readSettings(runtimePaths(dataRoot).settingsPath);
  const settingsPort = settings.httpPort === undefined ? undefined : String(settings.httpPort);
  return {
    dataRoot,
    passphrase,
    keyring,
    httpPort: httpPortFrom(set(io.env.AEV_HTTP_PORT) ?? settingsPort),
    tsa: tsaFrom(
      set(io.env.AEV_TSA_URLS) ?? settings.tsa?.urls?.join(','),
      set(io.env.AEV_TSA_TRUST) ?? settings.tsa?.trustFile,
      settings.tsa?.urls?.length === 0,
    ),
    windowMs: positiveInt(io.env.AEV_WINDOW_MS, 'AEV_WINDOW_MS') ?? settings.windowMs,
    sessionIdleMs: settings.sessionIdleMinutes === undefined ? undefined : settings.sessionIdleMinutes * 60_000,
    screen: screenFrom(io.env, settings.screen),
    redaction: redactionConfigFrom(settings.redaction, set(io.env.AEV_REDACTION)),
    retention: {
      ...DEFAULT_RETENTION,
      days:
        positiveInt(io.env.AEV_RETENTION_DAYS, 'AEV_RETENTION_DAYS') ??
        settings.retention?.days ??
        DEFAULT_RETENTION.days,
      auto:
        onOff(set(io.env.AEV_RETENTION_AUTO), 'AEV_RETENTION_AUTO') ??
        settings.retention?.auto ??
        DEFAULT_RETENTION.auto,
    },
  };
}

function onOff(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off')
    throw new AevError('E_CONFIG', `${name} must be "on" or "off", not ${JSON.stringify(value)}`);
  return value === 'on';
}

/**
 * The engine an environment describes: what `aev daemon` and the desktop app's engine process start,
 * so both run the same engine from the same settings. A vault is created only when a recovery
 * passphrase is at hand (DESIGN.md §5: it is the way back when the keyring is lost).
 */
export function engineInputFrom(
  env: EngineEnv,
  passphrase: string | undefined,
  logger: Logger,
  vars: Readonly<Record<string, string | undefined>>,
): Partial<EngineConfig> & { readonly dataRoot: string } {
  return {
    dataRoot: env.dataRoot,
    keyring: env.keyring,
    passphrase,
    createVault: passphrase !== undefined,
    httpPort: env.httpPort,
    screen: env.screen,
    retention: env.retention,
    redaction: env.redaction,
    logger,
    ...(env.tsa === undefined ? {} : { tsa: env.tsa }),
    ...(env.windowMs === undefined ? {} : { windowMs: env.windowMs }),
    ...(env.sessionIdleMs === undefined ? {} : { sessionIdleMs: env.sessionIdleMs }),
    ...(vars.AEV_SCRYPT_LOG_N !== undefined ? { scryptLogN: Number(vars.AEV_SCRYPT_LOG_N) } : {}),
    // A diagnostic (docs/performance.md, "Where an ack's tail goes"): timings only, written at stop.
    ...(set(vars.AEV_TRACE_ACKS) === undefined ? {} : { ackTraceFile: path.resolve(vars.AEV_TRACE_ACKS ?? '') }),
  };
}

/**
 * AEV_SCREEN=off turns screen recording off; AEV_SCREEN_FPS, AEV_SCREEN_MAX (long side cap, pixels),
 * AEV_SCREEN_DISPLAY (X display, macOS screen name, Windows output index), AEV_SCREEN_REGION
 * (WxH+X+Y, as x11grab and xrandr write it) and AEV_SCREEN_GRACE_MS tune it; fps and display fall back
 * to settings.json (the desktop app's settings view).
 */
function screenFrom(
  env: Readonly<Record<string, string | undefined>>,
  saved: { readonly fps?: number | undefined; readonly display?: string | undefined } | undefined,
): ScreenConfig | null {
  const mode = set(env.AEV_SCREEN);
  if (mode === 'off') return null;
  if (mode !== undefined && mode !== 'on')
    throw new AevError('E_CONFIG', `AEV_SCREEN must be "on" or "off", not ${JSON.stringify(mode)}`);
  const display = set(env.AEV_SCREEN_DISPLAY) ?? saved?.display;
  const region = set(env.AEV_SCREEN_REGION);
  const grace = set(env.AEV_SCREEN_GRACE_MS);
  const stills = set(env.AEV_STILLS);
  if (stills !== undefined && stills !== 'grab' && stills !== 'video')
    throw new AevError('E_CONFIG', `AEV_STILLS must be "grab" or "video", not ${JSON.stringify(stills)}`);
  return {
    fps: positiveInt(env.AEV_SCREEN_FPS, 'AEV_SCREEN_FPS') ?? saved?.fps ?? DEFAULT_SCREEN.fps,
    maxLongSide: positiveInt(env.AEV_SCREEN_MAX, 'AEV_SCREEN_MAX') ?? DEFAULT_SCREEN.maxLongSide,
    graceMs: grace === undefined ? DEFAULT_SCREEN.graceMs : nonNegativeInt(grace, 'AEV_SCREEN_GRACE_MS'),
    env,
    ...(stills === undefined ? {} : { stills }),
    ...(display === undefined ? {} : { display }),
    ...(region === undefined ? {} : { region: parseRegion(region) }),
  };
}

function parseRegion(text: string): ScreenConfig['region'] {
  const m = /^(\d+)x(\d+)\+(\d+)\+(\d+)$/.exec(text);
  if (m === null)
    throw new AevError('E_CONFIG', `AEV_SCREEN_REGION must look like 1280x720+0+0, not ${JSON.stringify(text)}`);
  const [width, height, x, y] = m.slice(1).map(Number) as [number, number, number, number];
  if (width < 16 || height < 16) throw new AevError('E_CONFIG', 'AEV_SCREEN_REGION must be at least 16x16 pixels');
  return { x, y, width, height };
}

function nonNegativeInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new AevError('E_CONFIG', `${name} must be a whole number ≥ 0`);
  return n;
}

/** TSA URLs (comma-separated, or `off`) and a PEM file of roots; neither given means the defaults. */
function tsaFrom(
  urls: string | undefined,
  trustFile: string | undefined,
  emptyList: boolean,
): SealConfig['tsa'] | undefined {
  if (urls === 'off' || (emptyList && urls === '')) return null;
  if ((urls === undefined || urls === '') && (trustFile === undefined || trustFile === '')) return undefined;
  let trustPem: string;
  try {
    trustPem = trustFile === undefined || trustFile === '' ? defaultTsaTrustPem() : fs.readFileSync(trustFile, 'utf8');
  } catch (cause) {
    throw new AevError('E_CONFIG', `cannot read the TSA trust store ${String(trustFile)}`, undefined, { cause });
  }
  return {
    endpoints: urls === undefined || urls === '' ? DEFAULT_TSAS : tsasFromList(urls),
    trustPem,
    timeoutMs: 10_000,
  };
}

/** An empty environment variable counts as unset. */
function set(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new AevError('E_CONFIG', `${name} must be a positive whole number`);
  return n;
}

/** AEV_PASSPHRASE_FILE: the recovery passphrase for headless unlock. Its first line is the passphrase. */
export function readPassphraseFile(io: EnvIo, file = io.env.AEV_PASSPHRASE_FILE): string | undefined {
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    const st = fs.statSync(file);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      io.stderr.write(`aev: warning: ${file} is readable by other users; chmod 600 it\n`);
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_CONFIG', `cannot read the passphrase file ${file}`, { file }, { cause });
  }
  const passphrase = text.split(/\r?\n/)[0] ?? '';
  if (passphrase.length < 8) throw new AevError('E_CONFIG', `the passphrase in ${file} is shorter than 8 characters`);
  return passphrase;
}

function httpPortFrom(value: string | undefined): number | null {
  if (value === undefined || value === '') return DEFAULT_HTTP_PORT;
  if (value === 'off') return null;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new AevError('E_CONFIG', `AEV_HTTP_PORT must be a port number or "off", not ${JSON.stringify(value)}`);
  }
  return port;
}
