import fs from 'node:fs';
import { probeOsKeyring } from '../../native/keychain/keyring.ts';
import type { KeyringPort } from '../../native/keychain/keyring.ts';
import { AevError } from '../common/errors.ts';
import type { ScreenConfig } from '../engine/capture/screen-capture.ts';
import { DEFAULT_HTTP_PORT, DEFAULT_SCREEN } from '../engine/engine-config.ts';
import { resolveDataRoot, runtimePaths } from '../engine/runtime/data-root.ts';
import { readSettings } from '../engine/runtime/settings-file.ts';
import type { SealConfig } from '../engine/seal/seal-service.ts';
import { DEFAULT_TSAS, defaultTsaTrustPem, tsasFromList } from '../engine/tsa/default-tsas.ts';
import type { CliIo } from './cli-io.ts';

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
}

export async function engineEnv(io: CliIo): Promise<EngineEnv> {
  const dataRoot = resolveDataRoot(io.env);
  const passphrase = readPassphraseFile(io);
  const keyring = io.env.AEV_KEYRING === 'off' ? null : await probeOsKeyring();
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
    screen: screenFrom(io.env),
  };
}

/**
 * AEV_SCREEN=off turns screen recording off; AEV_SCREEN_FPS, AEV_SCREEN_MAX (long side cap, pixels),
 * AEV_SCREEN_DISPLAY (X display, macOS screen name, Windows output index), AEV_SCREEN_REGION
 * (WxH+X+Y, as x11grab and xrandr write it) and AEV_SCREEN_GRACE_MS tune it.
 */
function screenFrom(env: Readonly<Record<string, string | undefined>>): ScreenConfig | null {
  const mode = set(env.AEV_SCREEN);
  if (mode === 'off') return null;
  if (mode !== undefined && mode !== 'on')
    throw new AevError('E_CONFIG', `AEV_SCREEN must be "on" or "off", not ${JSON.stringify(mode)}`);
  const display = set(env.AEV_SCREEN_DISPLAY);
  const region = set(env.AEV_SCREEN_REGION);
  const grace = set(env.AEV_SCREEN_GRACE_MS);
  const stills = set(env.AEV_STILLS);
  if (stills !== undefined && stills !== 'grab' && stills !== 'video')
    throw new AevError('E_CONFIG', `AEV_STILLS must be "grab" or "video", not ${JSON.stringify(stills)}`);
  return {
    fps: positiveInt(env.AEV_SCREEN_FPS, 'AEV_SCREEN_FPS') ?? DEFAULT_SCREEN.fps,
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
export function readPassphraseFile(io: CliIo, file = io.env.AEV_PASSPHRASE_FILE): string | undefined {
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
